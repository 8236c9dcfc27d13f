import type { BenchContext } from './context.js';
import { Dataset } from './dataset.js';
import { runPool } from './measure.js';
import type { StoreKind } from './operations.js';
import { usedMemory } from './redis-info.js';
import { openStore } from './run-case.js';

export interface MemoryUse {
  store: StoreKind;
  sessions: number;
  /** (used_memory after - before) / sessions, bytes. */
  bytesPerSession: number;
  /** Encoded metadata (without the storage's 1-byte format tag). */
  valueBytes: number;
}

/** Redis memory per stored session for each design, from INFO memory used_memory around n inserts. */
export async function memoryPerSession(ctx: BenchContext, n: number): Promise<MemoryUse[]> {
  const data = new Dataset(ctx.options.sessionsPerSubject, ctx.options.metaPadBytes);
  const valueBytes = ctx.codec.encode(data.metadata(0)).length;
  const client = ctx.client(true);
  const results: MemoryUse[] = [];
  for (const kind of ['raw', 'reference', 'storage'] as const) {
    ctx.progress.step(`memory: ${kind}`);
    const prefix = ctx.newPrefix();
    const store = await openStore(kind, client, prefix, data, ctx.codec);
    try {
      const before = await usedMemory(ctx.admin);
      await runPool(0, n, 256, async (i) => void (await store.insert(i)));
      const after = await usedMemory(ctx.admin);
      results.push({ store: kind, sessions: n, bytesPerSession: (after - before) / n, valueBytes });
    } finally {
      await store.close();
      await ctx.clean(prefix);
    }
  }
  return results;
}
