import { tracingChannel } from 'node:diagnostics_channel';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Histogram } from 'hdr-histogram-js';
import { instrumentSessionStorage } from '../../examples/opentelemetry/instrumentation.js';
import { operationChannels, type OperationMessage } from '../../src/index.js';
import { latencyHistogram } from './latency.js';

/**
 * What listens to the operation channels while a case runs: nobody; a
 * histogram of durations per operation and outcome (what an APM agent keeps,
 * and no more); the OpenTelemetry example with the SDK, its metrics only, or
 * its metrics and a span per call (created and ended, then dropped: no
 * export is measured).
 */
export const METRICS_SUBSCRIBERS = ['none', 'histogram', 'otel-metrics', 'otel-metrics+spans'] as const;
export type MetricsSubscriber = (typeof METRICS_SUBSCRIBERS)[number];

/** A reader that never exports: the SDK aggregates as in a service, between two exports. */
class IdleReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function histogramSubscriber(): () => void {
  const startedAt = new WeakMap<object, bigint>();
  const histograms = new Map<string, Histogram>();
  const noop = (): void => {};
  const handlers = {
    start: (message: unknown): void => void startedAt.set(message as object, process.hrtime.bigint()),
    end: noop,
    asyncStart: noop,
    asyncEnd: (message: unknown): void => {
      const m = message as OperationMessage;
      const key = `${m.operation} ${m.outcome}`;
      let histogram = histograms.get(key);
      if (!histogram) histograms.set(key, (histogram = latencyHistogram()));
      histogram.recordValue(Math.max(1, Number((process.hrtime.bigint() - startedAt.get(m)!) / 1000n)));
    },
    error: noop,
  };
  for (const name of Object.values(operationChannels)) tracingChannel(name).subscribe(handlers);
  return () => {
    for (const name of Object.values(operationChannels)) tracingChannel(name).unsubscribe(handlers);
  };
}

function openTelemetrySubscriber(spans: boolean): () => void {
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] });
  const tracer = spans ? tracerProvider.getTracer('bench') : undefined;
  const stop = instrumentSessionStorage({ meter: meterProvider.getMeter('bench'), tracer });
  return () => {
    stop();
    void meterProvider.shutdown();
    void tracerProvider.shutdown();
  };
}

/** Subscribes `kind` to every operation channel; returns what unsubscribes it. */
export function attachSubscriber(kind: MetricsSubscriber): () => void {
  if (kind === 'histogram') return histogramSubscriber();
  if (kind === 'otel-metrics') return openTelemetrySubscriber(false);
  if (kind === 'otel-metrics+spans') return openTelemetrySubscriber(true);
  return () => {};
}
