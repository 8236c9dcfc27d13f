import { median } from './median.js';
import type { CaseResult } from './run-case.js';

/** Same case in another round: everything but the measurement. */
const keyOf = (c: CaseResult): string => [c.group, c.operation, c.store, c.autoPipelining, c.perSubject].join('/');

/** One case over all its rounds. */
export interface MergedCase extends CaseResult {
  /** ops/s of every round, in run order; the reported measurement is the median round. */
  roundsOpsPerSec: number[];
}

/**
 * One result per case: the round with the median throughput (its latencies
 * with it), and the wrong results of all rounds added up.
 */
export function mergeRounds(results: CaseResult[]): MergedCase[] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  return [...groups.values()].map((runs) => {
    const sorted = [...runs].sort((a, b) => a.measurement.opsPerSec - b.measurement.opsPerSec);
    const middle = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const failed = runs.reduce((n, r) => n + r.verification.failed, 0);
    const firstFailure = runs.find((r) => r.verification.firstFailure)?.verification.firstFailure;
    return { ...middle, verification: { failed, firstFailure }, roundsOpsPerSec: runs.map((r) => Math.round(r.measurement.opsPerSec)) };
  });
}

/**
 * Throughput of `mine` over `base`. When both ran in the same rounds, the
 * median of the per-round ratios: the two sides of a round ran moments
 * apart, so load from other tenants of the machine hits both alike, where
 * the ratio of two medians can pair one side's quiet round with the other's
 * busy one.
 */
export function throughputRatio(mine: CaseResult, base: CaseResult): number {
  const a = (mine as Partial<MergedCase>).roundsOpsPerSec;
  const b = (base as Partial<MergedCase>).roundsOpsPerSec;
  if (!a || !b || a.length !== b.length || a.length === 0) return mine.measurement.opsPerSec / base.measurement.opsPerSec;
  return median(a.map((x, r) => x / b[r]!));
}
