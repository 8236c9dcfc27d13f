import test from 'ava';
import { baselineOf, otherBuild, regressions } from '../../scripts/bench/server-cost/baseline.js';
import { ROWS } from '../../scripts/bench/server-cost/rows.js';
import type { ServerCostReport } from '../../scripts/bench/server-cost/run-server-cost.js';

// What the server-cost gate (server-cost.test.ts) decides from the counts,
// without valgrind: these run everywhere.

const redis = { version: '7.0.15', buildId: 'ae4d7c971a948f0' };

function report(storage: Record<string, number>): ServerCostReport {
  return {
    redis,
    machine: { cpuModel: 'test', node: 'v20' },
    calls: 50,
    warmup: 10,
    sessionsPerSubject: 10,
    codec: 'msgpack-lite',
    rows: Object.entries(storage).map(([op, n]) => ({ op, label: op, storage: n, floor: n / 2, peer: { label: 'GET', instructions: n / 5 } })),
    anchors: [{ name: 'PING', instructions: 3000 }],
    problems: [],
  };
}

test('a count up to 10% above its baseline passes; above, the gate names the operation and the rise', (t) => {
  const baseline = baselineOf(report({ read: 40_000, touch: 100_000 }));
  t.deepEqual(regressions(baseline, report({ read: 44_000, touch: 90_000 })), []);
  const found = regressions(baseline, report({ read: 44_001, touch: 100_000 }));
  t.is(found.length, 1);
  t.regex(found[0]!, /^read: 44\.0k instructions per call, 10\.0% above the baseline's 40\.0k/);
});

test('an operation without a baseline figure fails the gate and says how to count it', (t) => {
  const baseline = baselineOf(report({ read: 40_000 }));
  const found = regressions(baseline, report({ read: 40_000, rotate: 70_000 }));
  t.deepEqual(found, ['rotate: no baseline figure; count it with npm run bench -- --server-cost --write-baseline']);
});

test('the baseline keeps the build it was counted on; another build or version cannot be judged by it', (t) => {
  const baseline = baselineOf(report({ read: 40_000 }));
  t.deepEqual(baseline.redis, redis);
  t.is(baseline.calls, 50);
  t.deepEqual(baseline.floor, { read: 20_000 });
  t.is(otherBuild(baseline, redis), undefined);
  t.regex(
    otherBuild(baseline, { ...redis, buildId: '0123456789abcde' }) ?? '',
    /counted on redis 7\.0\.15 build ae4d7c971a948f0, this is redis 7\.0\.15 build 0123456789abcde/,
  );
  t.truthy(otherBuild(baseline, { ...redis, version: '7.2.4' }));
});

test('every row targets data of the right kind: inserts fresh sessions, every other operation prepared ones', (t) => {
  const calls = 60;
  for (const row of ROWS) {
    const layout = row.layout(10);
    const prepared = new Set(layout.prepare(calls));
    const targets = Array.from({ length: calls }, (_, j) => layout.target(j));
    if (row.op.startsWith('insert')) {
      t.true(
        targets.every((i) => !prepared.has(i)),
        `${row.op}: a new session each call`,
      );
      t.is(new Set(targets).size, calls, `${row.op}: never the same session twice`);
    } else if (row.subjectWide) {
      // Subject s holds sessions s*P .. s*P+P-1.
      t.true(
        targets.every((s) => prepared.has(s * layout.perSubject) && prepared.has(s * layout.perSubject + layout.perSubject - 1)),
        row.op,
      );
    } else {
      t.true(
        targets.every((i) => prepared.has(i)),
        `${row.op}: a prepared session each call`,
      );
    }
    if (row.op === 'delete' || row.op === 'deleteAll') t.is(new Set(targets).size, calls, `${row.op}: each target once`);
  }
});
