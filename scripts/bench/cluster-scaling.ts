import { Cluster, Redis } from 'ioredis';
import { startLocalCluster, type LocalCluster } from '../cluster.js';
import type { BenchOptions } from './args.js';
import { Dataset } from './dataset.js';
import { measure, runPool, type Measurement } from './measure.js';
import { operation } from './operations.js';
import { planCases } from './plan.js';
import type { Progress } from './progress.js';
import type { CaseSpec } from './run-case.js';
import { openServer } from './server.js';
import { benchCodec } from './codecs.js';
import { libraryStore } from './stores/library-store.js';
import type { Table } from './table.js';

export type Deployment = 'single node' | 'cluster';

export interface ScalingCase {
  operation: string;
  autoPipelining: boolean;
  /** Median-round ops/s on each deployment. */
  opsPerSec: Record<Deployment, number>;
  /** ops/s of every round, in run order. */
  rounds: Record<Deployment, number[]>;
  p50Ms: Record<Deployment, number>;
}

export interface ScalingReport {
  masters: number;
  cases: ScalingCase[];
  /** Wrong results (each operation's result is checked, as in the standard run); must be 0. */
  failures: string[];
}

/**
 * `npm run bench -- --cluster`: the standard suite's storage operations on
 * one embedded redis-server and on a local Redis Cluster (3 masters, 3
 * replicas), each case interleaved between the two in every round, so load
 * from other tenants of the machine hits both sides of a ratio alike. Every
 * result is checked as in the standard run.
 */
export async function runClusterScaling(options: BenchOptions, progress: Progress): Promise<ScalingReport> {
  const server = await openServer(undefined);
  let cluster: LocalCluster | undefined;
  const connections: Array<Redis | Cluster> = [];
  try {
    cluster = await startLocalCluster();
    const local = cluster;
    const single = {
      false: new Redis(server.url, { maxRetriesPerRequest: 1 }),
      true: new Redis(server.url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 }),
    };
    const onCluster = {
      false: new Cluster(local.startupNodes),
      true: new Cluster(local.startupNodes, { enableAutoPipelining: true }),
    };
    connections.push(...Object.values(single), ...Object.values(onCluster));
    await Promise.all(Object.values(onCluster).map((c) => c.ping()));
    const flush: Record<Deployment, () => Promise<void>> = {
      'single node': async () => void (await single.false.flushall()),
      cluster: async () => void (await Promise.all((await local.masters()).map((m) => m.command('FLUSHALL')))),
    };
    const specs = planCases(options).filter((c) => c.group === 'core' && c.store === 'storage');
    progress.start(specs.reduce((n, c) => n + 2 * c.ops, 0));
    const runs: Array<{ spec: CaseSpec; deployment: Deployment; measurement: Measurement }> = [];
    const failures: string[] = [];
    let prefixes = 0;
    for (const spec of specs) {
      for (const deployment of ['single node', 'cluster'] as const) {
        progress.step(`${deployment} ${spec.operation}${spec.autoPipelining ? ' (auto-pipelining)' : ''}`);
        const client = (deployment === 'cluster' ? onCluster : single)[`${spec.autoPipelining}`];
        const measurement = await runStorageCase(client, `cbench${process.pid}x${++prefixes}`, spec, options, progress);
        if (measurement.failed > 0) failures.push(`${deployment} ${spec.operation}: ${measurement.failed} wrong, first: ${measurement.firstFailure}`);
        runs.push({ spec, deployment, measurement });
        await flush[deployment]();
      }
    }
    progress.stop();
    return { masters: (await local.masters()).length, cases: mergeScaling(runs), failures };
  } finally {
    progress.stop();
    for (const c of connections) c.disconnect();
    await cluster?.stop();
    await server.stop();
  }
}

async function runStorageCase(
  client: Redis | Cluster,
  prefix: string,
  spec: CaseSpec,
  options: BenchOptions,
  progress: Progress,
): Promise<Measurement> {
  const data = new Dataset(spec.perSubject, options.metaPadBytes);
  const op = operation(spec.operation, data, spec.warmup + spec.ops, spec.subjects);
  // The store helper is typed for a Redis; a Cluster is what the storage also accepts.
  const store = await libraryStore(client as Redis, prefix, data, benchCodec(options.codec));
  try {
    await runPool(0, op.prepareSessions, 64, async (i) => void (await store.insert(i)));
    return await measure({
      warmup: spec.warmup,
      ops: spec.ops,
      concurrency: options.concurrency,
      op: async (i) => {
        try {
          return await op.run(store, i);
        } catch (error) {
          return `threw ${error instanceof Error ? error.message : String(error)}`;
        }
      },
      onProgress: (n) => progress.add(n),
    });
  } finally {
    await store.close();
  }
}

function mergeScaling(runs: Array<{ spec: CaseSpec; deployment: Deployment; measurement: Measurement }>): ScalingCase[] {
  const byCase = new Map<string, ScalingCase & { all: Record<Deployment, Measurement[]> }>();
  for (const { spec, deployment, measurement } of runs) {
    const key = `${spec.operation}/${spec.autoPipelining}`;
    let c = byCase.get(key);
    if (!c) {
      c = {
        operation: spec.operation,
        autoPipelining: spec.autoPipelining,
        opsPerSec: { 'single node': 0, cluster: 0 },
        rounds: { 'single node': [], cluster: [] },
        p50Ms: { 'single node': 0, cluster: 0 },
        all: { 'single node': [], cluster: [] },
      };
      byCase.set(key, c);
    }
    c.all[deployment].push(measurement);
    c.rounds[deployment].push(Math.round(measurement.opsPerSec));
  }
  return [...byCase.values()].map(({ all, ...c }) => {
    for (const d of ['single node', 'cluster'] as const) {
      const sorted = [...all[d]].sort((a, b) => a.opsPerSec - b.opsPerSec);
      const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
      c.opsPerSec[d] = median.opsPerSec;
      c.p50Ms[d] = median.latency.p50;
    }
    return c;
  });
}

const int = (n: number): string => Math.round(n).toLocaleString('en');

export function scalingTables(report: ScalingReport, concurrency: number): Table[] {
  return [false, true].map((ap) => ({
    title: `Throughput, one Redis vs a local Redis Cluster of ${report.masters} masters (ops/s, concurrency ${concurrency}, ${ap ? 'auto-pipelining' : 'no auto-pipelining'})`,
    head: ['operation', 'single node ops/s', 'cluster ops/s', 'cluster / single', 'single p50 ms', 'cluster p50 ms'],
    right: [false, true, true, true, true, true],
    rows: report.cases
      .filter((c) => c.autoPipelining === ap)
      .map((c) => [
        c.operation,
        int(c.opsPerSec['single node']),
        int(c.opsPerSec.cluster),
        `${(c.opsPerSec.cluster / c.opsPerSec['single node']).toFixed(2)}x`,
        c.p50Ms['single node'].toFixed(3),
        c.p50Ms.cluster.toFixed(3),
      ]),
  }));
}
