import type { Redis } from 'ioredis';
import type { Codec } from '../../src/index.js';
import type { BenchContext } from './context.js';
import { serverCpuMicros } from './cpu.js';
import { Dataset } from './dataset.js';
import { measure, runPool, type Measurement } from './measure.js';
import { operation, type OperationName, type StoreKind } from './operations.js';
import { probeRoundTrips, type RoundTrips } from './round-trips.js';
import { libraryStore } from './stores/library-store.js';
import { multiListStore } from './stores/multi-list-store.js';
import { rawStore } from './stores/raw-store.js';
import type { SessionStore } from './stores/session-store.js';

export interface CaseSpec {
  group: 'core' | 'fan-out';
  operation: OperationName;
  store: StoreKind;
  autoPipelining: boolean;
  perSubject: number;
  ops: number;
  warmup: number;
  probeOps: number;
  /** Subjects that readAll/count cycle over. */
  subjects: number;
}

export interface CaseResult extends CaseSpec {
  measurement: Measurement;
  roundTrips: RoundTrips;
  /** Wrong results over warm-up, measurement, probe and end checks; must be 0. */
  verification: { failed: number; firstFailure: string | undefined };
}

/** A store of that kind; every kind encodes the same metadata with the same codec. */
export async function openStore(kind: StoreKind, client: Redis, prefix: string, data: Dataset, codec: Codec<unknown>): Promise<SessionStore> {
  if (kind === 'storage') return libraryStore(client, prefix, data, codec);
  if (kind === 'raw') return rawStore(client, prefix, data, codec);
  return multiListStore(client, prefix, data, codec);
}

/** Prepares the data, measures, counts round trips, checks every result and what is left in Redis, then cleans up. */
export async function runCase(ctx: BenchContext, client: Redis, spec: CaseSpec): Promise<CaseResult> {
  const data = new Dataset(spec.perSubject, ctx.options.metaPadBytes);
  const prefix = ctx.newPrefix();
  const total = spec.warmup + spec.ops + spec.probeOps;
  const op = operation(spec.operation, data, total, spec.subjects);
  const store = await openStore(spec.store, client, prefix, data, ctx.codec);
  let probeStore: SessionStore | undefined;
  const guard = async (i: number, s: SessionStore): Promise<true | string> => {
    try {
      return await op.run(s, i);
    } catch (error) {
      return `threw ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  try {
    await runPool(0, op.prepareSessions, 64, async (i) => void (await store.insert(i)));
    const measurement = await measure({
      warmup: spec.warmup,
      ops: spec.ops,
      concurrency: ctx.options.concurrency,
      op: (i) => guard(i, store),
      onProgress: (n) => ctx.progress.add(n),
      serverCpu: () => serverCpuMicros(ctx.admin),
    });
    let failed = measurement.failed;
    let firstFailure = measurement.firstFailure;
    const fail = (what: string): void => {
      failed++;
      firstFailure ??= what;
    };
    // One instance at a time: a second subscribed storage on the prefix would run a cleanup for each of the
    // other's deletes (their 'del' notifications), and the probe would count it.
    await store.close();
    const probe = await openStore(spec.store, ctx.probe.client, prefix, data, ctx.codec);
    probeStore = probe;
    const roundTrips = await probeRoundTrips(ctx.admin, ctx.probe, spec.warmup + spec.ops, spec.probeOps, async (i) => {
      const verdict = await guard(i, probe);
      if (verdict !== true) fail(`probe op #${i}: ${verdict}`);
    });
    if (op.finalCheck && spec.store !== 'raw') {
      const verdict = await op.finalCheck(probe);
      if (verdict !== true) fail(`end check: ${verdict}`);
    }
    if (op.expectedKeys) {
      const want = op.expectedKeys(spec.store);
      const have = await ctx.keysUnder(prefix);
      if (have !== want) fail(`end check: ${have} keys left in Redis, expected ${want}`);
    }
    return { ...spec, measurement, roundTrips, verification: { failed, firstFailure } };
  } finally {
    await store.close();
    await probeStore?.close();
    await ctx.clean(prefix);
  }
}
