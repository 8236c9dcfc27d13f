import test from 'ava';
import { parseBenchArgs } from '../../scripts/bench/args.js';
import { runStoreBench, storeTables } from '../../scripts/bench/express-stores/run-store-bench.js';
import { renderMarkdown } from '../../scripts/bench/table.js';
import { TestRedis } from '../helpers/redis-server.js';

// A tiny `--stores` run against a server of the test's own: both stores go
// through every phase, every result verifies (each request reads back its
// user; after logout no session is left), and the server is left as it was.
// No timing is asserted.
test('npm run bench -- --stores: a tiny run verifies both stores and cleans up', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  await admin.set('not-the-bench', 'kept');
  const options = parseBenchArgs(['--stores', '--redis', redis.url, '--ops', '200', '--warmup', '20', '--rounds', '2', '--no-progress'], {});
  t.true(options.stores);
  const report = await runStoreBench(options);

  t.deepEqual(report.verification, { failed: 0, failures: [] });
  t.is(report.cases.length, 2 * 2 * 3, 'two rounds of two stores in three phases');
  t.true(report.cases.every((c) => c.measurement.ops === 200 && c.measurement.failed === 0));
  t.deepEqual(await admin.keys('*'), ['not-the-bench']);

  const [table] = storeTables(report);
  t.deepEqual(
    table!.rows.map((row) => row[0]),
    ['login: set', 'request: get + touch', 'logout: destroy'],
  );
  t.regex(renderMarkdown(table!), /\| request: get \+ touch \|/);
});

test('--touch-after sets the store of --stores, and only with --stores', (t) => {
  t.is(parseBenchArgs(['--stores'], {}).touchAfterSeconds, 0);
  t.is(parseBenchArgs(['--stores', '--touch-after', '60'], {}).touchAfterSeconds, 60);
  const write = process.stderr.write;
  process.stderr.write = () => true;
  try {
    t.throws(() => parseBenchArgs(['--touch-after', '60'], {}), { message: /add --stores/ });
  } finally {
    process.stderr.write = write;
  }
});
