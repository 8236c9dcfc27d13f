import type { CaseResult } from './run-case.js';

/** Same case in another round: everything but the measurement. */
const keyOf = (c: CaseResult): string => [c.group, c.operation, c.store, c.autoPipelining, c.perSubject].join('/');

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
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const failed = runs.reduce((n, r) => n + r.verification.failed, 0);
    const firstFailure = runs.find((r) => r.verification.firstFailure)?.verification.firstFailure;
    return { ...median, verification: { failed, firstFailure }, roundsOpsPerSec: runs.map((r) => Math.round(r.measurement.opsPerSec)) };
  });
}
