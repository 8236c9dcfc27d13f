import { Redis } from 'ioredis';
import type { BenchOptions } from '../args.js';
import { serverCpuMicros } from '../cpu.js';
import { measure, type Measurement } from '../measure.js';
import { median } from '../median.js';
import { progressBar } from '../progress.js';
import { info } from '../redis-info.js';
import { openServer } from '../server.js';
import type { Table } from '../table.js';
import { adapter, connectRedis, type Contestant, type ContestantName } from './contestants.js';
import { OPERATIONS, sessionIds, type StoreOperationName } from './workload.js';
import { machineOf, type Machine } from '../machine.js';

const CONTESTANTS = { 'connect-redis': connectRedis, 'this adapter': adapter } as const;
const NAMES = Object.keys(CONTESTANTS) as ContestantName[];
const PHASES = Object.keys(OPERATIONS) as StoreOperationName[];

/** One phase of one store in one round. */
export interface StoreCase {
  store: ContestantName;
  operation: StoreOperationName;
  round: number;
  measurement: Measurement;
}

/** Every figure of a `--stores` run (what `--json` writes). */
export interface StoreBenchReport {
  machine: Machine;
  options: BenchOptions;
  cases: StoreCase[];
  verification: { failed: number; failures: string[] };
}

/**
 * `npm run bench -- --stores`: the express-session store calls of a
 * session's life (set at login, get + touch per request, destroy at
 * logout) on this library's adapter and on connect-redis, on the same
 * server, `--ops` sessions each, `--concurrency` calls in flight. The two
 * stores take turns in every round (which goes first alternates), so load
 * from elsewhere on the machine hits both alike.
 */
export async function runStoreBench(options: BenchOptions): Promise<StoreBenchReport> {
  const server = await openServer(options.redisUrl);
  const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const progress = progressBar(options.progress);
  const cases: StoreCase[] = [];
  const failures: string[] = [];
  try {
    const redis = (await info(admin, 'server')).get('redis_version') ?? 'unknown';
    const sessions = options.warmup + options.ops;
    progress.start(options.rounds * NAMES.length * PHASES.length * sessions);
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? NAMES : [...NAMES].reverse();
      for (const name of order) {
        const prefix = `bench${process.pid}r${round}${name === 'connect-redis' ? 'cr' : 'us'}`;
        const contestant = await CONTESTANTS[name](server.url, prefix, options.touchAfterSeconds);
        try {
          const sids = sessionIds(sessions);
          for (const operation of PHASES) {
            progress.step(`round ${round + 1}: ${name} ${operation}`);
            const measurement = await measure({
              warmup: options.warmup,
              ops: options.ops,
              concurrency: options.concurrency,
              op: (i) => OPERATIONS[operation](contestant.store, sids, i),
              onProgress: (n) => progress.add(n),
              serverCpu: () => serverCpuMicros(admin),
            });
            progress.add(options.warmup);
            if (measurement.failed > 0) failures.push(`${name} ${operation}: ${measurement.failed} wrong, first: ${measurement.firstFailure}`);
            cases.push({ store: name, operation, round, measurement });
          }
          failures.push(...(await leftovers(contestant, sids)));
        } finally {
          await contestant.close();
          await clean(admin, prefix, server.embedded);
        }
      }
    }
    progress.stop();
    return {
      machine: machineOf(redis, server.embedded),
      options,
      cases,
      verification: { failed: failures.length, failures },
    };
  } finally {
    progress.stop();
    admin.disconnect();
    await server.stop();
  }
}

/** After logout, no session may be left: a sample of the ids must read as none. */
async function leftovers(contestant: Contestant, sids: string[]): Promise<string[]> {
  const step = Math.max(1, Math.floor(sids.length / 100));
  const found: string[] = [];
  for (let i = 0; i < sids.length; i += step) {
    if (await contestant.store.get(sids[i]!)) found.push(`${contestant.name}: session ${i} still there after destroy`);
  }
  return found;
}

async function clean(admin: Redis, prefix: string, embedded: boolean): Promise<void> {
  if (embedded) {
    await admin.flushall();
    return;
  }
  for await (const keys of admin.scanStream({ match: `${prefix}:*`, count: 1000 })) {
    if ((keys as string[]).length > 0) await admin.unlink(...(keys as string[]));
  }
}

const int = (n: number): string => Math.round(n).toLocaleString('en');
const ms = (n: number): string => n.toFixed(3);
const us = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(1));

/** The round with the median throughput of one store's phase (its latencies with it). */
function medianCase(cases: StoreCase[]): StoreCase {
  const sorted = [...cases].sort((a, b) => a.measurement.opsPerSec - b.measurement.opsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The adapter's throughput over connect-redis's: the median of the per-round ratios (see rounds.ts, throughputRatio). */
function ratioOf(adapterCases: StoreCase[], baseCases: StoreCase[]): number {
  return median(adapterCases.map((c) => c.measurement.opsPerSec / baseCases.find((b) => b.round === c.round)!.measurement.opsPerSec));
}

/** The side-by-side table of a `--stores` run. */
export function storeTables(report: StoreBenchReport): Table[] {
  const rows = PHASES.map((operation) => {
    const of = (store: ContestantName): StoreCase[] => report.cases.filter((c) => c.operation === operation && c.store === store);
    const base = medianCase(of('connect-redis')).measurement;
    const mine = medianCase(of('this adapter')).measurement;
    const call = { login: 'login: set', request: 'request: get + touch', logout: 'logout: destroy' }[operation];
    return [
      call,
      int(base.opsPerSec),
      ms(base.latency.p99),
      us(base.cpu.serverUsPerOp),
      int(mine.opsPerSec),
      ms(mine.latency.p99),
      us(mine.cpu.serverUsPerOp),
      `${ratioOf(of('this adapter'), of('connect-redis')).toFixed(2)}x`,
    ];
  });
  return [
    {
      title: `express-session store calls: this adapter vs connect-redis (${report.options.concurrency} in flight, ${report.options.ops} sessions${report.options.touchAfterSeconds ? `, touchAfterSeconds ${report.options.touchAfterSeconds}` : ''})`,
      head: ['calls', 'connect-redis ops/s', 'p99 ms', 'server µs', 'this adapter ops/s', 'p99 ms', 'server µs', 'adapter / connect-redis'],
      rows,
      right: [false, true, true, true, true, true, true, true],
    },
  ];
}
