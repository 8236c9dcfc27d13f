// The storage's operation channels as OpenTelemetry metrics and spans (docs/observability.md).
// Needs only @opentelemetry/api: the application's SDK (its exporters, views, sampling) decides where they go.
// In your project, import from 'user-session-redis-storage' instead of '../../src/index.js'.
import { tracingChannel } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, type Attributes, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import { operationChannels, type OperationMessage } from '../../src/index.js';

/** What a call keeps between its `start` and its `asyncEnd`. */
interface InFlight {
  startedAt: number;
  span: Span | undefined;
}

/**
 * Subscribes to every operation's channel and records, per call:
 * - `user_session_storage.call.duration` (histogram, seconds), by operation, outcome (`ok` or the error code: a
 *   refused insert is `TOO_MANY_CONCURRENT_SESSIONS`) and key prefix. Its count is the number of calls, as with
 *   OpenTelemetry's `http.server.request.duration`: a counter of calls beside it would double the cost per call;
 * - `user_session_storage.sessions.ended` (counter), by operation and reason: the session-ended events the storage emits;
 * - `user_session_storage.need_keys` (counter), by operation: the extra round trips of subject-wide calls on a cluster;
 * - with a tracer, one CLIENT span per call, its status an error when the call failed.
 * The subject (a user id) is left out of metrics (one series per user) and of spans (add it as `enduser.id` if your
 * traces may hold user ids). Returns the function that unsubscribes.
 */
export function instrumentSessionStorage({ meter, tracer }: { meter: Meter; tracer?: Tracer }): () => void {
  const duration = meter.createHistogram('user_session_storage.call.duration', {
    description: 'Duration of the calls of the session storage, from the call to its settled promise; its count is the number of calls',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] },
  });
  const ended = meter.createCounter('user_session_storage.sessions.ended', {
    description: 'Sessions the calls reported ended (expired, evicted, deleted): one session-ended event each',
    unit: '{session}',
  });
  const needKeys = meter.createCounter('user_session_storage.need_keys', {
    description: 'NEED_KEYS replies on Redis Cluster: one more round trip each',
    unit: '{reply}',
  });
  // Keyed by the message, which is the same object from start to asyncEnd; a call that never settles is simply collected.
  const inFlight = new WeakMap<object, InFlight>();

  const start = (message: unknown): void => {
    const m = message as OperationMessage;
    const span = tracer?.startSpan(`user-session-storage ${m.operation}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'user_session.operation': m.operation, 'user_session.key_prefix': m.keyPrefix, 'db.system.name': 'redis' },
    });
    inFlight.set(m, { startedAt: performance.now(), span });
  };
  const asyncEnd = (message: unknown): void => {
    const m = message as OperationMessage;
    const call = inFlight.get(m);
    if (!call) return; // started before this subscriber was there
    inFlight.delete(m);
    const attributes: Attributes = {
      'user_session.operation': m.operation,
      'user_session.outcome': m.outcome ?? 'unknown',
      'user_session.key_prefix': m.keyPrefix,
    };
    duration.record((performance.now() - call.startedAt) / 1000, attributes);
    for (const [reason, n] of Object.entries(m.ended)) {
      if (n > 0) ended.add(n, { 'user_session.operation': m.operation, 'user_session.reason': reason, 'user_session.key_prefix': m.keyPrefix });
    }
    if (m.needKeys > 0) needKeys.add(m.needKeys, { 'user_session.operation': m.operation, 'user_session.key_prefix': m.keyPrefix });
    const { span } = call;
    if (!span) return;
    span.setAttributes({
      'user_session.outcome': m.outcome ?? 'unknown',
      'user_session.sessions_ended': m.ended.expired + m.ended.evicted + m.ended.deleted,
      'user_session.need_keys': m.needKeys,
    });
    if (m.error) {
      span.setAttribute('error.type', m.error.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: m.error.message });
    }
    span.end();
  };
  const noop = (): void => {};
  const handlers = { start, end: noop, asyncStart: noop, asyncEnd, error: noop };
  for (const name of Object.values(operationChannels)) tracingChannel(name).subscribe(handlers);
  return () => {
    for (const name of Object.values(operationChannels)) tracingChannel(name).unsubscribe(handlers);
  };
}
