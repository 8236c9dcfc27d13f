import test from 'ava';
import { parseBenchArgs } from '../../scripts/bench/args.js';
import { reportTables } from '../../scripts/bench/report.js';
import { runBench } from '../../scripts/bench/run-bench.js';
import { Dataset } from '../../scripts/bench/dataset.js';
import { benchCodec } from '../../scripts/bench/codecs.js';
import { openStore } from '../../scripts/bench/run-case.js';
import { renderMarkdown } from '../../scripts/bench/table.js';
import { TestRedis } from '../helpers/redis-server.js';

// A tiny --extended run against a server of the test's own: every result
// must verify, every storage operation must be one command and one round
// trip, and the bench must leave the server as it found it. No timing is asserted.
test('a tiny run verifies its results, counts round trips and cleans up', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  await admin.set('not-the-bench', 'kept');
  const options = parseBenchArgs(
    [
      '--quick',
      '--extended',
      '--redis',
      redis.url,
      '--ops',
      '60',
      '--warmup',
      '5',
      '--fan-out',
      '1,10',
      '--insert-steps',
      '100,200',
      '--probe-ops',
      '10',
      '--codec-iterations',
      '50',
      '--subjects',
      '3',
      '--no-progress',
    ],
    {},
  );
  const report = await runBench(options);

  t.deepEqual(report.verification, { failed: 0, failures: [] });
  t.is(report.machine.server, 'external');
  const storage = report.cases.filter((c) => c.store === 'storage');
  t.is(storage.length, 9 * 2 + 2 * 2, 'every operation with and without auto-pipelining, plus the fan-out');
  for (const c of storage) {
    t.is(c.roundTrips.commandsPerOp, 1, `${c.operation} x${c.perSubject} sends one command`);
    t.is(c.roundTrips.roundTripsPerOp, 1, `${c.operation} x${c.perSubject} takes one round trip`);
    t.is(c.roundTrips.serverCallsPerOp.evalsha, 1);
  }
  t.true(
    report.cases.filter((c) => c.group === 'core').every((c) => c.subjects === 3),
    '--subjects 3: the read side cycled over 3 subjects',
  );
  const readAllRef = report.cases.find((c) => c.store === 'reference' && c.operation === 'readAll' && c.group === 'core');
  t.is(readAllRef?.roundTrips.roundTripsPerOp, 2, 'LRANGE then MGET: the reference needs two');
  t.is(report.memory.length, 3);
  t.true(report.codecs.every((c) => c.bytes > 100 && c.nsPerEncode > 0 && c.nsPerDecode > 0));
  for (const c of report.cases.filter((x) => x.group === 'core')) {
    // A tiny case can end within one scheduler tick, before the client's figure moves (cpu.ts): >= 0, not > 0.
    t.true(c.measurement.cpu.clientUsPerOp >= 0, `${c.store} ${c.operation}: client CPU measured`);
    t.true((c.measurement.cpu.serverUsPerOp ?? 0) > 0, `${c.store} ${c.operation}: server CPU measured`);
  }
  t.deepEqual(
    report.growth?.steps.map((s) => s.storedSessions),
    [100, 200],
    '--extended: insert sampled at each step',
  );
  const markdown = reportTables(report).map(renderMarkdown).join('\n');
  t.regex(markdown, /\| insert \| storage \|/);
  t.regex(markdown, /sessions per subject grow/);
  t.regex(markdown, /as stored sessions grow/);
  t.deepEqual(await admin.keys('*'), ['not-the-bench'], 'only the keys the bench found are left');
});

test('--codec json: every store encodes with it and every result still verifies', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const options = parseBenchArgs(['--quick', '--redis', redis.url, '--codec', 'json', '--ops', '20', '--warmup', '0'], {});
  const report = await runBench({ ...options, probeOps: 5, codecIterations: 10, progress: false });
  t.deepEqual(report.verification, { failed: 0, failures: [] });
  t.is(report.growth, undefined, 'without --extended: no insert growth');
  t.false(
    report.cases.some((c) => c.group === 'fan-out'),
    'without --extended: no fan-out curve',
  );

  // What each kind of store writes: the JSON text (behind the storage's format tag 0x03).
  const client = await redis.client();
  const data = new Dataset(1, 0);
  const json = JSON.stringify(data.metadata(0));
  for (const kind of ['storage', 'raw', 'reference'] as const) {
    const store = await openStore(kind, client, `codec-${kind}`, data, benchCodec(options.codec));
    await store.insert(0);
    await store.close();
    const keys = await client.keys(`codec-${kind}:*`);
    const values = (await Promise.all(keys.map(async (k) => ((await client.type(k)) === 'string' ? k : undefined)))).filter(Boolean);
    t.is(values.length, 1, `${kind} stored one value`);
    const stored = await client.getBuffer(values[0]!);
    t.is(stored?.subarray(kind === 'storage' ? 1 : 0).toString(), json, kind);
  }
});
