import type { BenchContext } from './context.js';
import { Dataset } from './dataset.js';
import { measure, runPool } from './measure.js';
import { commandCalls, commandUsec, usedMemory } from './redis-info.js';
import { libraryStore } from './stores/library-store.js';
import type { LatencySummary } from './latency.js';

export interface GrowthStep {
  /** Sessions stored when the sample started. */
  storedSessions: number;
  opsPerSec: number;
  latency: LatencySummary;
  /** used_memory / stored sessions, bytes (index share included). */
  bytesPerSession: number;
  /** Server time per insert (EVALSHA usec / calls over the sample, INFO commandstats): unaffected by client noise. */
  serverUsecPerInsert: number;
}

export interface InsertGrowth {
  steps: GrowthStep[];
  /** Largest p50 over smallest p50: 1.2 or less is "flat". */
  p50Spread: number;
  failed: number;
  firstFailure: string | undefined;
}

/**
 * Fills one storage to each step (auto-pipelined, unmeasured), then times a
 * sample of inserts at the run's concurrency. Insert without a limit is O(1):
 * its latency must not grow with the number of stored sessions.
 */
export async function insertGrowth(ctx: BenchContext): Promise<InsertGrowth> {
  const o = ctx.options;
  const data = new Dataset(o.sessionsPerSubject, o.metaPadBytes);
  const prefix = ctx.newPrefix();
  const filler = ctx.client(true);
  const client = ctx.client(false);
  const fillStore = await libraryStore(filler, prefix, data, ctx.codec);
  const store = await libraryStore(client, prefix, data, ctx.codec);
  const sample = Math.min(o.ops, 5_000);
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
      ctx.progress.step(`insert growth: sampling at ${stored.toLocaleString('en')} sessions`);
      const from = stored;
      const warmup = Math.ceil(sample / 5);
      const [usecBefore, callsBefore] = [(await commandUsec(ctx.admin)).get('evalsha') ?? 0, (await commandCalls(ctx.admin)).get('evalsha') ?? 0];
      const m = await measure({
        warmup,
        ops: sample,
        concurrency: o.concurrency,
        op: async (i) => (await store.insert(from + i), true),
        onProgress: (n) => ctx.progress.add(n),
      });
      const usec = ((await commandUsec(ctx.admin)).get('evalsha') ?? 0) - usecBefore;
      const calls = ((await commandCalls(ctx.admin)).get('evalsha') ?? 0) - callsBefore;
      failed += m.failed;
      firstFailure ??= m.firstFailure;
      steps.push({ storedSessions: stored, opsPerSec: m.opsPerSec, latency: m.latency, bytesPerSession, serverUsecPerInsert: usec / calls });
      stored += warmup + sample;
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
