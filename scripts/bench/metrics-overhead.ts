/**
 * `npm run bench -- --metrics`: what the operation channels cost. read,
 * touch and insert run with nobody subscribed, with a histogram subscriber
 * and with the OpenTelemetry example (metrics, then metrics and spans),
 * interleaved in every round, on the
 * bench's usual cases (checked results included).
 */
import type { BenchOptions } from './args.js';
import { BenchContext } from './context.js';
import { median } from './median.js';
import { attachSubscriber, METRICS_SUBSCRIBERS, type MetricsSubscriber } from './metrics-subscribers.js';
import { progressBar } from './progress.js';
import { info } from './redis-info.js';
import { runCase, type CaseSpec } from './run-case.js';
import { openServer } from './server.js';
import type { Table } from './table.js';
import { traceCostNs } from './trace-cost.js';
import { machineOf, type Machine } from './machine.js';

const OPERATIONS = ['read', 'touch', 'insert'] as const;
/** Calls per repeat of the no-Redis measurement of the tracing alone: 20 per measured operation (200,000 by default). */
const traceCostCalls = (o: BenchOptions): number => Math.min(200_000, o.ops * 20);

/** One operation under one subscriber, over every round. */
export interface MetricsCase {
  operation: (typeof OPERATIONS)[number];
  subscriber: MetricsSubscriber;
  /** ops/s of each round, in run order. */
  roundsOpsPerSec: number[];
  /** Client CPU µs per operation (main thread) of each round. */
  roundsClientUs: number[];
}

export interface MetricsReport {
  machine: Machine;
  options: BenchOptions;
  cases: MetricsCase[];
  /** ns the tracing adds per call, no Redis: by subscriber. */
  traceCostNs: Record<MetricsSubscriber, number>;
  verification: { failed: number; failures: string[] };
}

/** The whole --metrics run. */
export async function runMetricsBench(options: BenchOptions): Promise<MetricsReport> {
  const server = await openServer(options.redisUrl);
  const progress = progressBar(options.progress);
  const ctx = new BenchContext(options, server.url, server.embedded, progress);
  try {
    const redis = (await info(ctx.admin, 'server')).get('redis_version') ?? 'unknown';
    const client = ctx.client(false);
    const cases = new Map<string, MetricsCase>();
    const failures: string[] = [];
    progress.start(options.rounds * OPERATIONS.length * METRICS_SUBSCRIBERS.length * options.ops);
    for (let round = 0; round < options.rounds; round++) {
      // Each round starts with another subscriber, so none is always measured first (on a colder process).
      const order = METRICS_SUBSCRIBERS.map((_, i) => METRICS_SUBSCRIBERS[(i + round) % METRICS_SUBSCRIBERS.length]!);
      for (const operation of OPERATIONS)
        for (const subscriber of order) {
          progress.step(`${operation} (${subscriber})`);
          const result = await measured(subscriber, () => runCase(ctx, client, caseSpec(options, operation)));
          const key = `${operation}/${subscriber}`;
          const entry = cases.get(key) ?? { operation, subscriber, roundsOpsPerSec: [], roundsClientUs: [] };
          entry.roundsOpsPerSec.push(Math.round(result.measurement.opsPerSec));
          entry.roundsClientUs.push(result.measurement.cpu.clientUsPerOp);
          cases.set(key, entry);
          if (result.verification.failed > 0)
            failures.push(`${key}: ${result.verification.failed} wrong, first: ${result.verification.firstFailure}`);
        }
    }
    progress.step('tracing alone');
    const traceCost = {} as Record<MetricsSubscriber, number>;
    for (const subscriber of METRICS_SUBSCRIBERS) traceCost[subscriber] = await traceCostNs(subscriber, traceCostCalls(options));
    progress.stop();
    return {
      machine: machineOf(redis, server.embedded),
      options,
      cases: [...cases.values()],
      traceCostNs: traceCost,
      verification: { failed: failures.length, failures },
    };
  } finally {
    progress.stop();
    await ctx.close();
    await server.stop();
  }
}

/** Runs `run` with `subscriber` on the channels, and only then. */
async function measured<T>(subscriber: MetricsSubscriber, run: () => Promise<T>): Promise<T> {
  const detach = attachSubscriber(subscriber);
  try {
    return await run();
  } finally {
    detach();
  }
}

function caseSpec(o: BenchOptions, operation: MetricsCase['operation']): CaseSpec {
  return {
    group: 'core',
    operation,
    store: 'storage',
    autoPipelining: false,
    perSubject: o.sessionsPerSubject,
    ops: o.ops,
    warmup: o.warmup,
    probeOps: o.probeOps,
    subjects: o.subjects ?? Math.max(2, Math.floor(o.ops / o.sessionsPerSubject)),
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en');

/** The tables of a --metrics run. */
export function metricsTables(r: MetricsReport): Table[] {
  const find = (operation: string, subscriber: MetricsSubscriber): MetricsCase =>
    r.cases.find((c) => c.operation === operation && c.subscriber === subscriber)!;
  const rows = r.cases
    .filter((c) => c.subscriber !== 'none')
    .map((c) => {
      const base = find(c.operation, 'none');
      // The median of per-round ratios: both sides of a round ran moments apart (see rounds.ts).
      const ratio = median(c.roundsOpsPerSec.map((x, i) => x / base.roundsOpsPerSec[i]!));
      const addedUs = median(c.roundsClientUs.map((x, i) => x - base.roundsClientUs[i]!));
      // Throughput when the client's main thread is what limits it: the part of the ratio other tenants of the machine do not blur.
      const cpuRatio = median(c.roundsClientUs.map((x, i) => base.roundsClientUs[i]! / x));
      return [
        c.operation,
        c.subscriber,
        int(median(base.roundsOpsPerSec)),
        int(median(c.roundsOpsPerSec)),
        `${ratio.toFixed(3)}x`,
        median(base.roundsClientUs).toFixed(1),
        addedUs.toFixed(1),
        `${cpuRatio.toFixed(3)}x`,
      ];
    });
  return [
    {
      title: `Operation channels: the storage with a subscriber over the storage without (concurrency ${r.options.concurrency}, no auto-pipelining, median of ${r.options.rounds} rounds)`,
      head: [
        'operation',
        'subscriber',
        'ops/s without',
        'ops/s with',
        'ratio',
        'client CPU µs/op without',
        'client CPU µs/op added',
        'CPU-bound ratio',
      ],
      rows,
      right: [false, false, true, true, true, true, true, true],
    },
    {
      title: `The tracing alone, no Redis: CPU ns added to one call (median of 5 x ${int(traceCostCalls(r.options))} calls)`,
      head: ['subscriber', 'CPU ns per call'],
      rows: METRICS_SUBSCRIBERS.map((s) => [s, int(r.traceCostNs[s])]),
      right: [false, true],
    },
  ];
}
