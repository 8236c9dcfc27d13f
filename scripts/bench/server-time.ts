import type { Redis } from 'ioredis';
import { median } from './median.js';
import { commandStats, statDelta } from './redis-info.js';

/** Parts a sequential run is cut into for the server time; their median is reported. */
const PARTS = 5;

export interface RunInParts {
  /** INFO commandstats deltas (calls and usec per command) of each consecutive part. */
  parts: { calls: Record<string, number>; usec: Record<string, number> }[];
  /** Calls per command over the whole run. */
  calls: Record<string, number>;
  /** INFO requests this sent to the server (one before the run, one after each part). */
  infoRequests: number;
}

/**
 * Runs op(i) for i in [from, from + n) one after another, in up to five
 * consecutive parts, reading INFO commandstats before and after each. A
 * burst of load from another tenant of the machine then spoils one part of
 * the server-time figure (see medianUsecPerCall), not all of it.
 */
export async function runInParts(admin: Redis, from: number, n: number, op: (i: number) => Promise<unknown>): Promise<RunInParts> {
  const count = Math.min(PARTS, n);
  const first = await commandStats(admin);
  const parts: RunInParts['parts'] = [];
  let previous = first;
  for (let k = 0; k < count; k++) {
    for (let i = from + Math.round((k * n) / count); i < from + Math.round(((k + 1) * n) / count); i++) await op(i);
    const now = await commandStats(admin);
    parts.push({ calls: statDelta(previous.calls, now.calls), usec: statDelta(previous.usec, now.usec) });
    previous = now;
  }
  return { parts, calls: statDelta(first.calls, previous.calls), infoRequests: count + 1 };
}

/** Server µs per call of `command`: the median over the parts. */
export function medianUsecPerCall(run: RunInParts, command: string): number {
  return median(run.parts.map((p) => (p.usec[command] ?? 0) / (p.calls[command] ?? 1)));
}
