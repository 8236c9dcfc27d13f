import { execFile } from 'node:child_process';
import { SpanStatusCode } from '@opentelemetry/api';
import { promisify } from 'node:util';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import test from 'ava';
import { instrumentSessionStorage } from '../../examples/opentelemetry/instrumentation.js';
import { UserSessionRedisStorage } from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { TestRedis } from '../helpers/redis-server.js';

test('the OpenTelemetry demo runs and prints the metrics and spans it recorded', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const { stdout } = await promisify(execFile)(process.execPath, ['--import=tsx', 'examples/opentelemetry/demo.ts'], {
    env: { ...process.env, REDIS_URL: redis.url },
  });
  t.regex(stdout, /^user_session_storage\.call\.duration\{operation=insert,outcome=ok\} count=2 sum=/m);
  t.regex(stdout, /^user_session_storage\.call\.duration\{operation=insert,outcome=TOO_MANY_CONCURRENT_SESSIONS\} count=1 sum=/m);
  t.regex(stdout, /^user_session_storage\.call\.duration\{operation=read,outcome=ok\} count=10 sum=/m);
  t.regex(stdout, /^user_session_storage\.sessions\.ended\{operation=deleteAll,reason=deleted\} 2$/m);
  t.regex(stdout, /^span user-session-storage insert status=ERROR outcome=TOO_MANY_CONCURRENT_SESSIONS$/m);
  t.regex(stdout, /^spans: 25$/m);
  const client = await redis.client();
  t.deepEqual(await client.keys('otel-demo:*'), [], 'nothing left behind');
});

test('the instrumentation records durations (and so counts), ended sessions and spans by outcome, until it unsubscribes', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 60_000 })] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  t.teardown(async () => {
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });
  const stop = instrumentSessionStorage({ meter: meterProvider.getMeter('test'), tracer: tracerProvider.getTracer('test') });
  t.teardown(stop);

  const storage = await UserSessionRedisStorage.create({ client: await redis.client(), keyPrefix: 'otel-test', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  const admin = await redis.client();
  const keys = new KeySchema('otel-test');
  await storage.insert('user-1', 'a', {}, 60);
  await storage.insert('user-1', 'b', {}, 60);
  await admin.del(keys.valueKey('user-1', 'b'));
  t.is(await storage.count('user-1'), 1);
  await admin.set(keys.indexKey('user-2'), 'not a sorted set');
  await t.throwsAsync(storage.read('user-2', 'a'), { code: 'REDIS_ERROR' });
  stop();
  await storage.read('user-1', 'a');

  await meterProvider.forceFlush();
  const points = new Map<string, unknown>();
  for (const { scopeMetrics } of metrics.getMetrics())
    for (const { metrics: list } of scopeMetrics)
      for (const metric of list)
        for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
          const { 'user_session.key_prefix': prefix, ...rest } = point.attributes;
          t.is(prefix, 'otel-test');
          points.set(`${metric.descriptor.name} ${JSON.stringify(rest)}`, typeof point.value === 'number' ? point.value : point.value.count);
        }
  const op = (operation: string, outcome = 'ok'): string => JSON.stringify({ 'user_session.operation': operation, 'user_session.outcome': outcome });
  t.deepEqual(
    points,
    new Map<string, unknown>([
      [`user_session_storage.call.duration ${op('insert')}`, 2],
      [`user_session_storage.call.duration ${op('count')}`, 1],
      [`user_session_storage.call.duration ${op('read', 'REDIS_ERROR')}`, 1],
      [`user_session_storage.sessions.ended ${JSON.stringify({ 'user_session.operation': 'count', 'user_session.reason': 'evicted' })}`, 1],
    ]),
    'the read after unsubscribing is not recorded',
  );
  const finished = spans.getFinishedSpans();
  t.deepEqual(
    finished.map((s) => [s.name, s.attributes['user_session.outcome'], s.attributes['error.type']]),
    [
      ['user-session-storage insert', 'ok', undefined],
      ['user-session-storage insert', 'ok', undefined],
      ['user-session-storage count', 'ok', undefined],
      ['user-session-storage read', 'REDIS_ERROR', 'REDIS_ERROR'],
    ],
  );
  t.is(finished[2]!.attributes['user_session.sessions_ended'], 1);
  t.is(finished[3]!.status.code, SpanStatusCode.ERROR, 'the failed call is an error span');
  t.false(
    finished.some((s) => Object.values(s.attributes).includes('user-1')),
    'no user id in the spans',
  );
});
