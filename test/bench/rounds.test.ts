import test from 'ava';
import { throughputRatio, type MergedCase } from '../../scripts/bench/rounds.js';

const caseOf = (rounds: number[], reported = rounds[Math.floor((rounds.length - 1) / 2)]!): MergedCase =>
  ({ measurement: { opsPerSec: reported }, roundsOpsPerSec: rounds }) as unknown as MergedCase;

test('the ratio is the median of per-round ratios, not the ratio of two medians', (t) => {
  // Round 3 was busy for the baseline only: pairing by round keeps it from deciding.
  const mine = caseOf([40, 80, 90], 80);
  const base = caseOf([50, 100, 60], 60);
  t.is(throughputRatio(mine, base), 0.8);
  t.not(mine.measurement.opsPerSec / base.measurement.opsPerSec, 0.8);
});

test('an even number of rounds takes the mean of the middle two; unpaired cases fall back to the reported figures', (t) => {
  t.is(throughputRatio(caseOf([10, 20, 30, 40]), caseOf([10, 10, 10, 10])), 2.5);
  t.is(throughputRatio(caseOf([30], 30), caseOf([10, 20], 20)), 1.5);
});
