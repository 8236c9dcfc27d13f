import test from 'ava';
import { CommanderError } from 'commander';
import { DEFAULTS, parseBenchArgs, QUICK } from '../../scripts/bench/args.js';
import { coreSubjects, planCases, workingSet } from '../../scripts/bench/plan.js';

const quiet = <T>(fn: () => T): T => {
  // commander prints its error before throwing; keep the test output readable.
  const write = process.stderr.write;
  process.stderr.write = () => true;
  try {
    return fn();
  } finally {
    process.stderr.write = write;
  }
};

test('no arguments: embedded server and the standard suite', (t) => {
  const o = parseBenchArgs([], {});
  t.is(o.redisUrl, undefined);
  t.is(o.ops, DEFAULTS.ops);
  t.is(o.concurrency, DEFAULTS.concurrency);
  t.deepEqual(o.fanOut, [1, 10, 100, 1000]);
  t.deepEqual(o.insertSteps, [10_000, 100_000]);
  t.is(o.rounds, 3);
  t.false(o.markdown);
  t.true(o.progress);
  t.is(o.jsonFile, undefined);
  t.is(o.codec, 'msgpack-lite');
});

test('--codec runs every store with another codec; an unknown one is refused', (t) => {
  t.is(parseBenchArgs(['--codec', 'msgpackr'], {}).codec, 'msgpackr');
  t.is(parseBenchArgs(['--codec', 'json'], {}).codec, 'json');
  const error = t.throws(() => quiet(() => parseBenchArgs(['--codec', 'protobuf'], {})), { instanceOf: CommanderError });
  t.regex(error.message, /msgpack-lite, msgpackr, json/);
});

test('--redis and REDIS_URL choose an existing server; the flag wins', (t) => {
  t.is(parseBenchArgs([], { REDIS_URL: 'redis://127.0.0.1:7001' }).redisUrl, 'redis://127.0.0.1:7001');
  t.is(parseBenchArgs(['--redis', 'redis://127.0.0.1:7002'], { REDIS_URL: 'redis://127.0.0.1:7001' }).redisUrl, 'redis://127.0.0.1:7002');
});

test('--quick shrinks every size, explicit flags still win', (t) => {
  const quick = parseBenchArgs(['--quick'], {});
  t.is(quick.ops, QUICK.ops);
  t.deepEqual(quick.insertSteps, [...QUICK.insertSteps]);
  t.is(quick.rounds, 1);
  const mixed = parseBenchArgs(['--quick', '--ops', '50', '--concurrency', '4'], {});
  t.is(mixed.ops, 50);
  t.is(mixed.concurrency, 4);
  t.is(mixed.warmup, QUICK.warmup);
});

test('sizes, lists and outputs', (t) => {
  const o = parseBenchArgs(
    [
      '--extended',
      '--sessions-per-subject',
      '5',
      '--meta-pad',
      '0',
      '--fan-out',
      '100,1,10,10',
      '--insert-steps',
      '2000,1000',
      '--million',
      '--json',
      'out.json',
      '--markdown',
      '--no-progress',
      '--warmup',
      '0',
    ],
    {},
  );
  t.is(o.sessionsPerSubject, 5);
  t.is(o.metaPadBytes, 0);
  t.is(o.warmup, 0);
  t.deepEqual(o.fanOut, [1, 10, 100], 'sorted, duplicates dropped');
  t.deepEqual(o.insertSteps, [1000, 2000, 1_000_000], '--million adds the 1M step');
  t.is(o.jsonFile, 'out.json');
  t.true(o.markdown);
  t.false(o.progress);
  t.true(o.extended);
});

for (const [what, argv] of [
  ['a non-number', ['--ops', 'many']],
  ['zero ops', ['--ops', '0']],
  ['a fraction', ['--concurrency', '1.5']],
  ['a negative pad', ['--meta-pad', '-1']],
  ['zero subjects', ['--subjects', '0']],
  ['an empty list item', ['--fan-out', '1,,10']],
  ['an http URL', ['--redis', 'http://localhost:6379']],
  ['a non-URL', ['--redis', 'localhost']],
  ['an unknown flag', ['--fast']],
  ['--fan-out without --extended', ['--fan-out', '1,10']],
  ['--insert-steps without --extended', ['--insert-steps', '1000']],
  ['--million without --extended', ['--million']],
  ['--metrics with --extended', ['--metrics', '--extended']],
  ['--cluster (dropped)', ['--cluster']],
] as const) {
  test(`rejects ${what}`, (t) => {
    const error = quiet(() => t.throws(() => parseBenchArgs([...argv], {})));
    t.true(error instanceof CommanderError);
    t.not((error as CommanderError).exitCode, 0);
  });
}

test('--extended: the fan-out curve is planned only with it', (t) => {
  const standard = parseBenchArgs([], {});
  t.false(standard.extended);
  t.deepEqual(
    planCases(standard).filter((c) => c.group === 'fan-out'),
    [],
  );
  const extended = parseBenchArgs(['--extended', '--fan-out', '1,10'], {});
  t.true(extended.extended);
  t.deepEqual(
    [
      ...new Set(
        planCases(extended)
          .filter((c) => c.group === 'fan-out')
          .map((c) => c.perSubject),
      ),
    ],
    [1, 10],
  );
});

test('--subjects sets the read side of the core cases; the fan-out curve keeps its own', (t) => {
  const byDefault = parseBenchArgs([], {});
  t.is(byDefault.subjects, undefined);
  t.is(coreSubjects(byDefault), 1000, '10,000 ops over 10 sessions per subject');
  const o = parseBenchArgs(['--subjects', '50000', '--sessions-per-subject', '4'], {});
  t.is(coreSubjects(o), 50_000);
  t.regex(workingSet(o), /50,000 subjects x 4 sessions/);
  const cases = planCases(o);
  t.true(cases.filter((c) => c.group === 'core').every((c) => c.subjects === 50_000));
  t.true(cases.filter((c) => c.group === 'fan-out').every((c) => c.subjects === Math.max(2, Math.floor(o.ops / c.perSubject))));
});

test('--server-cost: 400 calls per batch, 50 with --quick or --write-baseline; --calls a multiple of 50', (t) => {
  t.is(parseBenchArgs([], {}).serverCost, undefined);
  t.deepEqual(parseBenchArgs(['--server-cost'], {}).serverCost, { calls: 400, writeBaseline: false });
  t.deepEqual(parseBenchArgs(['--server-cost', '--quick'], {}).serverCost, { calls: 50, writeBaseline: false });
  t.deepEqual(parseBenchArgs(['--server-cost', '--write-baseline'], {}).serverCost, { calls: 50, writeBaseline: true });
  t.deepEqual(parseBenchArgs(['--server-cost', '--calls', '1000'], {}).serverCost, { calls: 1000, writeBaseline: false });
  t.regex(t.throws(() => quiet(() => parseBenchArgs(['--server-cost', '--calls', '40'], {}))).message, /multiple of 50/);
  // REDIS_URL in the environment is someone's server for the throughput run; --server-cost starts its own.
  t.truthy(parseBenchArgs(['--server-cost'], { REDIS_URL: 'redis://127.0.0.1:7001' }).serverCost);
});

test('--server-cost refuses --redis and --extended; --calls and --write-baseline need --server-cost', (t) => {
  for (const argv of [
    ['--server-cost', '--redis', 'redis://127.0.0.1:7001'],
    ['--server-cost', '--extended'],
    ['--calls', '100'],
    ['--write-baseline'],
  ]) {
    const error = t.throws(() => quiet(() => parseBenchArgs(argv, {})), { instanceOf: CommanderError }, argv.join(' '));
    t.is(error.exitCode, 2, argv.join(' '));
  }
});
