import test from 'ava';
import { parseBenchArgs } from '../../scripts/bench/args.js';
import { runClusterScaling, scalingTables } from '../../scripts/bench/cluster-scaling.js';
import { progressBar } from '../../scripts/bench/progress.js';
import { renderText } from '../../scripts/bench/table.js';

// A tiny --cluster run: every storage operation on one server and on a local
// cluster, every result verified. No timing is asserted.
test('a tiny --cluster run measures every storage operation on both and verifies every result', async (t) => {
  const options = parseBenchArgs(['--cluster', '--quick', '--ops', '60', '--warmup', '5', '--no-progress'], {});
  const report = await runClusterScaling(options, progressBar(false));
  t.deepEqual(report.failures, []);
  t.is(report.masters, 3);
  const operations = ['insert', 'read', 'readAll', 'touch', 'update', 'delete', 'deleteAll', 'count', 'mixed'];
  for (const ap of [false, true]) {
    t.deepEqual(
      report.cases.filter((c) => c.autoPipelining === ap).map((c) => c.operation),
      operations,
    );
  }
  for (const c of report.cases) t.true(c.opsPerSec.cluster > 0 && c.opsPerSec['single node'] > 0, c.operation);
  t.regex(scalingTables(report, options.concurrency).map(renderText).join('\n'), /cluster \/ single/);
});
