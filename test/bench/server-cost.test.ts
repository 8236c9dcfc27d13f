import test from 'ava';
import { BASELINE_FILE, comparisonTable, otherBuild, readBaseline, regressions, REWRITE_COMMAND } from '../../scripts/bench/server-cost/baseline.js';
import { hasValgrind, systemRedisBuild } from '../../scripts/bench/server-cost/callgrind-server.js';
import { runServerCost } from '../../scripts/bench/server-cost/run-server-cost.js';
import { renderText } from '../../scripts/bench/table.js';

// The CI gate of Redis's cost per operation (docs/performance.md, "Server
// cost"): a tiny --server-cost run under callgrind, against the committed
// baseline. Instruction counts are deterministic for one Redis build, so
// the gate does not flake on a loaded machine; on another build it cannot
// judge and is skipped, saying so. CI installs valgrind (.ci/run): there,
// a missing valgrind fails instead of skipping.

const baseline = readBaseline();
const build = await systemRedisBuild();
const valgrind = await hasValgrind();
const onCi = process.env.CI === 'true';
const differentBuild = otherBuild(baseline, build);
const title = 'no storage operation costs Redis more than 10% above the committed baseline';

if (!valgrind && !onCi) {
  test.skip(`${title} (skipped: valgrind is not installed; Debian: apt-get install valgrind)`, () => {});
} else if (differentBuild) {
  test.skip(`${title} (skipped: ${differentBuild}; rewrite the baseline with ${REWRITE_COMMAND})`, () => {});
} else {
  test(title, async (t) => {
    t.true(valgrind, 'CI=true and valgrind is missing: .ci/run installs it (apt-get install valgrind)');
    if (!valgrind) return;
    const report = await runServerCost({
      calls: baseline.calls,
      sessionsPerSubject: baseline.sessionsPerSubject,
      codec: baseline.codec,
      metaPadBytes: 0,
    });
    t.log(renderText(comparisonTable(baseline, report)));
    t.deepEqual(report.redis, baseline.redis, `the server run is the build ${BASELINE_FILE} was counted on`);
    // Wrong results and floors that made other calls than their script (floors.ts) are not results either.
    t.deepEqual([...regressions(baseline, report), ...report.problems], []);
  });
}
