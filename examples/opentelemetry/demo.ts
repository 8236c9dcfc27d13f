// A few logins with the storage instrumented by ./instrumentation.ts, then what OpenTelemetry recorded.
// From a clone: `npm run example:opentelemetry` (uses REDIS_URL, default redis://127.0.0.1:6379; writes under 'otel-demo:').
// In a service, the exporters below are OTLP ones (or Prometheus) and the reader exports on its own schedule.
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { instrumentSessionStorage } from './instrumentation.js';

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 })] });
const spanExporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
const stop = instrumentSessionStorage({
  meter: meterProvider.getMeter('user-session-redis-storage'),
  tracer: tracerProvider.getTracer('user-session-redis-storage'),
});

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'otel-demo', concurrentSessions: 2, onLimit: 'reject' });
await storage.insert('user:42', 'laptop', { device: 'laptop' }, 3600);
await storage.insert('user:42', 'phone', { device: 'phone' }, 3600);
try {
  await storage.insert('user:42', 'tablet', { device: 'tablet' }, 3600);
} catch (error) {
  if (!(error instanceof UserSessionStorageError)) throw error;
}
for (let i = 0; i < 10; i++) {
  await storage.read('user:42', 'laptop');
  await storage.touch('user:42', 'laptop', 3600);
}
await storage.readAll('user:42');
await storage.deleteAll('user:42');
await storage.close();
await client.quit();
stop();

await meterProvider.forceFlush();
const attributesOf = (point: DataPoint<unknown>): string =>
  Object.entries(point.attributes)
    .filter(([name]) => name !== 'user_session.key_prefix')
    .map(([name, value]) => `${name.replace('user_session.', '')}=${String(value)}`)
    .join(',');
for (const { scopeMetrics } of metricExporter.getMetrics()) {
  for (const { metrics } of scopeMetrics) {
    for (const metric of metrics) {
      for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
        const value = typeof point.value === 'number' ? String(point.value) : `count=${point.value.count} sum=${(point.value.sum ?? 0).toFixed(6)}s`;
        console.log(`${metric.descriptor.name}{${attributesOf(point)}} ${value}`);
      }
    }
  }
}
for (const span of spanExporter.getFinishedSpans().slice(0, 4)) {
  console.log(
    `span ${span.name} status=${span.status.code === SpanStatusCode.ERROR ? 'ERROR' : 'UNSET'} outcome=${String(span.attributes['user_session.outcome'])}`,
  );
}
console.log(`spans: ${spanExporter.getFinishedSpans().length}`);
await meterProvider.shutdown();
await tracerProvider.shutdown();
