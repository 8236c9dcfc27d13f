import test from 'ava';
import { parseBenchArgs } from '../../scripts/bench/args.js';
import { metricsTables, runMetricsBench } from '../../scripts/bench/metrics-overhead.js';
import { METRICS_SUBSCRIBERS } from '../../scripts/bench/metrics-subscribers.js';
import { renderText } from '../../scripts/bench/table.js';
import { TestRedis } from '../helpers/redis-server.js';

// A tiny --metrics run against a server of the test's own: every result must verify with each subscriber,
// every (operation, subscriber) pair is measured in every round, and the server is left as found. No timing is asserted.
test('a tiny --metrics run measures read, touch and insert under each subscriber and verifies them', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  await admin.set('not-the-bench', 'kept');
  const options = parseBenchArgs(
    [
      '--metrics',
      '--quick',
      '--redis',
      redis.url,
      '--ops',
      '40',
      '--warmup',
      '5',
      '--probe-ops',
      '5',
      '--rounds',
      '2',
      '--subjects',
      '2',
      '--no-progress',
    ],
    {},
  );
  const report = await runMetricsBench(options);

  t.deepEqual(report.verification, { failed: 0, failures: [] });
  t.deepEqual(
    report.cases.map((c) => `${c.operation} ${c.subscriber} ${c.roundsOpsPerSec.length}`).sort(),
    ['insert', 'read', 'touch'].flatMap((op) => METRICS_SUBSCRIBERS.map((s) => `${op} ${s} 2`)).sort(),
  );
  t.deepEqual(Object.keys(report.traceCostNs).sort(), [...METRICS_SUBSCRIBERS].sort());
  const [overhead, alone] = metricsTables(report);
  t.is(overhead!.rows.length, 3 * (METRICS_SUBSCRIBERS.length - 1), 'one row per operation and subscriber, beside no subscriber');
  t.is(alone!.rows.length, METRICS_SUBSCRIBERS.length);
  t.regex(renderText(overhead!), /^touch +otel-metrics\+spans +[\d,]+ +[\d,]+ +\d+\.\d{3}x/m);
  t.deepEqual(await admin.keys('*'), ['not-the-bench'], 'only what was there before');
});
