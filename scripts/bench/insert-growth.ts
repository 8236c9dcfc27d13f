import type { BenchContext } from './context.js';
import { Dataset } from './dataset.js';
import { measure, runPool } from './measure.js';
import { waitForRehash } from './rehash.js';
import { usedMemory } from './redis-info.js';
import { medianUsecPerCall, runInParts } from './server-time.js';
import { libraryStore } from './stores/library-store.js';
import { TTL_SECONDS } from './stores/session-store.js';
import type { LatencySummary } from './latency.js';

/** Insert measured at one number of stored sessions. */
export interface GrowthStep {
  /** Sessions stored when the sample started. */
  storedSessions: number;
  opsPerSec: number;
  latency: LatencySummary;
  /** used_memory / stored sessions, bytes (index share included). */
  bytesPerSession: number;
  /** Server time per insert (EVALSHA usec / calls, INFO commandstats) over up to 500 inserts sent one at a time. */
  serverUsecPerInsert: number;
  /** Server time per raw SET PX of the same value, measured the same way right after: what Redis itself costs at that size. */
  rawSetServerUsec: number;
  /** Whether the end of Redis's key-table doubling was seen before sampling (false: DEBUG refused, waited blind). */
  rehashSettled: boolean;
}

/** Insert measured at each step of --insert-steps. */
export interface InsertGrowth {
  steps: GrowthStep[];
  /** Largest p50 over smallest p50: 1.2 or less is "flat". */
  p50Spread: number;
  failed: number;
  firstFailure: string | undefined;
}

/** Most inserts run one at a time at each step for the server-time figures (and at most a quarter of the sample). */
const PROBE_MAX = 500;

/**
 * Inserts sampled at a step. With the warm-up (a fifth more) and the
 * sequential probe (a quarter more at most), a step adds at most 30% of its size: the sample
 * measures the step's size, not up to 60% more, and the default steps do
 * not run into the next doubling of Redis's key table (at 10,000 sessions,
 * 11,000 keys, a 6,000-insert sample would cross 16,384 keys).
 */
export function growthSample(ops: number, step: number): number {
  return Math.max(1, Math.min(ops, 5_000, Math.floor(step / 5)));
}

/**
 * `--extended`: fills one storage to each step (auto-pipelined, unmeasured),
 * then times a sample of inserts at the run's concurrency. Insert without a
 * limit is O(1): its latency must not grow with the number of stored sessions.
 */
export async function insertGrowth(ctx: BenchContext): Promise<InsertGrowth> {
  const o = ctx.options;
  const data = new Dataset(o.sessionsPerSubject, o.metaPadBytes);
  const prefix = ctx.newPrefix();
  const filler = ctx.client(true);
  const client = ctx.client(false);
  const fillStore = await libraryStore(filler, prefix, data, ctx.codec);
  const store = await libraryStore(client, prefix, data, ctx.codec);
  const rawPrefix = ctx.newPrefix();
  const rawValue = ctx.codec.encode(data.metadata(0));
  const steps: GrowthStep[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  try {
    const baseMemory = await usedMemory(ctx.admin);
    let stored = 0;
    for (const target of o.insertSteps) {
      ctx.progress.step(`insert growth: filling to ${target.toLocaleString('en')} sessions`);
      await runPool(stored, target, 256, async (i) => {
        await fillStore.insert(i);
        if (i % 256 === 0) ctx.progress.add(256);
      });
      stored = Math.max(stored, target);
      const bytesPerSession = ((await usedMemory(ctx.admin)) - baseMemory) / stored;
      ctx.progress.step(`insert growth: waiting for Redis to finish growing its key table`);
      // Blind, 5 s per million sessions: the doubling past 2^20 keys was over within 5 s.
      const rehashSettled = await waitForRehash(ctx.admin, Math.min(5_000, target / 200));
      ctx.progress.step(`insert growth: sampling at ${stored.toLocaleString('en')} sessions`);
      const from = stored;
      const sample = growthSample(o.ops, target);
      const warmup = Math.ceil(sample / 5);
      const m = await measure({
        warmup,
        ops: sample,
        concurrency: o.concurrency,
        op: async (i) => (await store.insert(from + i), true),
        onProgress: (n) => ctx.progress.add(n),
      });
      failed += m.failed;
      firstFailure ??= m.firstFailure;
      stored += warmup + sample;
      // Server time from one insert at a time: with 16 in flight the client
      // competes with the server for the 2 CPUs, and commandstats' wall-clock
      // usec then counts the server's waits too.
      const probe = Math.min(PROBE_MAX, Math.ceil(sample / 4));
      const probeFrom = stored;
      const serverUsecPerInsert = medianUsecPerCall(await runInParts(ctx.admin, probeFrom, probe, (i) => store.insert(i)), 'evalsha');
      stored += probe;
      const rawKey = (i: number): string => `${rawPrefix}:${i}`;
      const rawSetServerUsec = medianUsecPerCall(
        await runInParts(ctx.admin, 0, probe, (i) => client.set(rawKey(i), rawValue, 'PX', TTL_SECONDS * 1000)),
        'set',
      );
      // Removed again, so later steps' sizes and memory figures hold only sessions.
      for (let i = 0; i < probe; i += 1000) await ctx.admin.unlink(...Array.from({ length: Math.min(1000, probe - i) }, (_, k) => rawKey(i + k)));
      steps.push({
        storedSessions: from,
        opsPerSec: m.opsPerSec,
        latency: m.latency,
        bytesPerSession,
        serverUsecPerInsert,
        rawSetServerUsec,
        rehashSettled,
      });
    }
    const keys = await ctx.keysUnder(prefix);
    const want = stored + Math.ceil(stored / o.sessionsPerSubject);
    if (keys !== want) {
      failed++;
      firstFailure ??= `end check: ${keys} keys in Redis after ${stored} inserts, expected ${want}`;
    }
  } finally {
    await fillStore.close();
    await store.close();
    await ctx.clean(prefix);
  }
  const p50s = steps.map((s) => s.latency.p50);
  return { steps, p50Spread: Math.max(...p50s) / Math.min(...p50s), failed, firstFailure };
}
