/**
 * Every call of the storage, published on a `node:diagnostics_channel`
 * tracing channel of its operation (start, end, asyncStart, asyncEnd,
 * error, as Node's and undici's are), with a message that says how it
 * ended: for dashboards of counts, latencies and outcomes. When the
 * operation's channel has no subscriber, the call runs as it is: no
 * message is built and no promise is added. See docs/observability.md.
 */
import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';
import type { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import { luaScripts } from '../scripts/lua.generated.js';
import type { EndReason } from '../scripts/result-codes.js';

/**
 * Inlined: the documentation lists the names.
 * @inline
 */
type Scripts = keyof typeof luaScripts;

/**
 * An operation, as its tracing channel names it: the public method
 * (`insert`, `readAll`, ...), or `cleanup`, the storage's own call after a
 * keyspace notification. Each operation runs its own script, and is named
 * by it, so a new operation has its channel with no change here.
 */
export type OperationName = Scripts;

/**
 * The message of one call, published on every event of its operation's
 * tracing channel; the same object from `start` to `asyncEnd`, so a
 * subscriber may keep what it needs across them (a start time, a span) in a
 * `WeakMap` keyed by it. `outcome`, `ended` and `needKeys` are final from
 * `asyncStart` on (and on `error`).
 */
export interface OperationMessage {
  /** The operation. */
  readonly operation: OperationName;
  /** The storage's key prefix: tells apart the storages of one process. */
  readonly keyPrefix: string;
  /**
   * The subject (user id) the call is about, as the caller passed it. It
   * identifies a person: export it only where user ids may go, and never as
   * a metric attribute (one time series per user). The session id is not
   * in the message: it is a bearer credential.
   */
  readonly subject: string;
  /** `'ok'`, or the code of the error the call rejected with; `undefined` until it settles. */
  readonly outcome: 'ok' | ErrorCode | undefined;
  /**
   * The sessions the call reported ended, by reason: index entries of
   * sessions that expired or were evicted, pruned by this call, and the
   * sessions it ended itself (`deleted`: `delete`, `deleteOthers`,
   * `deleteAll`, an `onLimit: 'evict-oldest'` insert, a reuse's revocation;
   * `rotated`: `rotate`), and `reused`: rotated ids it was given. The
   * storage emits one event of that name for each, just after the call
   * settles. Counted on failures too: a refused insert may have pruned
   * entries.
   */
  readonly ended: Readonly<Record<EndReason | 'reused', number>>;
  /**
   * How many times the script answered NEED_KEYS (Redis Cluster, a
   * subject-wide operation on a subject with sessions): each one is one
   * more round trip, after which the call is sent again declaring the
   * subject's value keys. Always 0 on one server.
   */
  readonly needKeys: number;
  /** Set by `tracePromise` when the call succeeded: the value the caller gets (session metadata for `read`). */
  readonly result?: unknown;
  /** Set by `tracePromise` when the call failed: the error the caller gets. */
  readonly error?: UserSessionStorageError;
}

/** What the storage writes into a message while the call runs. */
export interface CallTrace {
  operation: OperationName;
  keyPrefix: string;
  subject: string;
  outcome: 'ok' | ErrorCode | undefined;
  ended: Record<EndReason | 'reused', number>;
  needKeys: number;
}

const PREFIX = 'user-session-redis-storage:';

/**
 * The tracing channel of every operation, by operation name:
 * `diagnostics_channel.tracingChannel(operationChannels.insert)` is the one
 * of `insert` (its events are `tracing:user-session-redis-storage:insert:start`, ...).
 */
export const operationChannels = Object.fromEntries(Object.keys(luaScripts).map((name) => [name, `${PREFIX}${name}`])) as Readonly<
  Record<OperationName, string>
>;

// Created once: a call looks its channel up, it never builds one.
const channels = Object.fromEntries(Object.entries(operationChannels).map(([name, channel]) => [name, tracingChannel(channel)])) as Record<
  OperationName,
  TracingChannel<unknown, CallTrace>
>;

/**
 * Runs `call`, traced on the operation's channel when it has a subscriber:
 * `call` then gets the message to fill in (ended sessions, NEED_KEYS rounds)
 * and the outcome is set from how it settles. Without a subscriber, `call`
 * gets `undefined` and its own promise is returned.
 */
export function traceOperation<T>(
  operation: OperationName,
  keyPrefix: string,
  subject: string,
  call: (trace: CallTrace | undefined) => Promise<T>,
): Promise<T> {
  const channel = channels[operation];
  if (!channel.hasSubscribers) return call(undefined);
  const trace: CallTrace = {
    operation,
    keyPrefix,
    subject,
    outcome: undefined,
    ended: { expired: 0, evicted: 0, deleted: 0, rotated: 0, reused: 0 },
    needKeys: 0,
  };
  return channel.tracePromise(async () => {
    try {
      const result = await call(trace);
      trace.outcome = 'ok';
      return result;
    } catch (error) {
      // Every public error is a UserSessionStorageError; anything else is a bug, counted as a Redis failure.
      trace.outcome = error instanceof UserSessionStorageError ? error.code : 'REDIS_ERROR';
      throw error;
    }
  }, trace);
}

/** Counts the sessions a call reported ended into its message. */
export function countEnded(trace: CallTrace, ended: readonly { reason: EndReason | 'reused' }[]): void {
  for (const { reason } of ended) trace.ended[reason]++;
}
