import test from 'ava';
import type { MergedCase } from '../../scripts/bench/rounds.js';
import type { OperationName, StoreKind } from '../../scripts/bench/operations.js';
import { referenceCeiling } from '../../scripts/bench/targets.js';

const caseOf = (store: StoreKind, operation: OperationName, autoPipelining: boolean, opsPerSec: number, clientUsPerOp = 0): MergedCase =>
  ({
    group: 'core',
    store,
    operation,
    autoPipelining,
    perSubject: 10,
    measurement: { opsPerSec, cpu: { clientUsPerOp, serverUsPerOp: undefined } },
    roundsOpsPerSec: [opsPerSec],
  }) as unknown as MergedCase;

test('insert: the ceiling is the faster raw SET of the run over the reference of that mode', (t) => {
  const cases = [
    caseOf('raw', 'insert', false, 60_000),
    caseOf('raw', 'insert', true, 40_000),
    caseOf('reference', 'insert', false, 20_000),
    caseOf('reference', 'insert', true, 25_000),
  ];
  t.is(referenceCeiling(cases, 'insert', false, undefined)?.ratio, 3);
  // Auto-pipelining held raw SET back to 40k; the storage sends past it, so 60k is still the floor's pace.
  t.is(referenceCeiling(cases, 'insert', true, undefined)?.ratio, 2.4);
});

test('readAll: the ceiling is what a client doing one raw GET plus the other decodes could finish', (t) => {
  const cases = [caseOf('raw', 'read', false, 50_000, 12), caseOf('raw', 'read', true, 45_000, 10), caseOf('reference', 'readAll', false, 10_000)];
  // Floor: 10 µs (the cheaper GET) + 9 decodes of 5 µs = 55 µs, so at most 18,182 readAll/s: 1.82x of 10,000.
  const ceiling = referenceCeiling(cases, 'readAll', false, 5_000);
  t.is(ceiling?.ratio.toFixed(3), (1e6 / 55 / 10_000).toFixed(3));
  t.regex(ceiling?.why ?? '', /55 µs/);
  t.is(referenceCeiling(cases, 'readAll', false, undefined), undefined, 'no decode cost, no ceiling');
  t.is(referenceCeiling(cases, 'readAll', true, 5_000), undefined, 'no reference of that mode, no ceiling');
});
