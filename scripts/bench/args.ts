import { Command, InvalidArgumentError, Option } from 'commander';
import { BENCH_CODECS, type BenchCodecName } from './codecs.js';

/** Every knob of `npm run bench`, resolved from argv and the environment. */
export interface BenchOptions {
  /** Existing server to use; undefined = start an embedded redis-server. */
  redisUrl: string | undefined;
  /** Measured operations per workload. */
  ops: number;
  /** Unmeasured operations run first on the same data shape. */
  warmup: number;
  /** Operations in flight at once, from one client. */
  concurrency: number;
  /** Sessions each subject holds in readAll/deleteAll/count. */
  sessionsPerSubject: number;
  /** Subjects the read side cycles over (read, touch, update, readAll, count, mixed); undefined: ops / sessions per subject. */
  subjects: number | undefined;
  /** Extra bytes of padding added to the realistic metadata (0 = about 200 encoded bytes). */
  metaPadBytes: number;
  /** Sessions per subject for the readAll/deleteAll growth curve (--extended). */
  fanOut: number[];
  /** Total stored sessions at which insert latency is sampled (--extended). */
  insertSteps: number[];
  /** Times each core case runs, interleaved with its baselines; the median is reported. */
  rounds: number;
  /** Operations per round-trip probe (sequential, no pipelining). */
  probeOps: number;
  /** Codec encode+decode iterations. */
  codecIterations: number;
  /** The codec every store encodes metadata with (storage, raw baseline and reference alike). */
  codec: BenchCodecName;
  jsonFile: string | undefined;
  markdown: boolean;
  progress: boolean;
  /** Also run the readAll/deleteAll fan-out curve and insert as stored sessions grow. */
  extended: boolean;
  /** Instead of the storage's run: the express-session store against connect-redis (scripts/bench/express-stores/). */
  stores: boolean;
  /** With `--stores`: the store's `touchAfterSeconds` (0: every request slides). */
  touchAfterSeconds: number;
  /** `--server-cost`: Redis instructions per operation under callgrind instead of the throughput run. */
  serverCost: { calls: number; writeBaseline: boolean } | undefined;
  /** Instead of the comparison with the baselines, the cost of the operation channels (scripts/bench/metrics-overhead.ts). */
  metrics: boolean;
}

/** Sizes of the standard run. */
export const DEFAULTS = {
  ops: 10_000,
  warmup: 1_000,
  concurrency: 16,
  sessionsPerSubject: 10,
  metaPadBytes: 0,
  fanOut: [1, 10, 100, 1000],
  insertSteps: [10_000, 100_000],
  rounds: 3,
  probeOps: 200,
  codecIterations: 100_000,
} as const;

/**
 * Measured calls per batch of `--server-cost`, and of its tiny run (the CI
 * gate's). Redis runs a Lua GC step every 50 scripts, so a multiple of 50
 * puts the same number of steps in every batch.
 */
export const SERVER_COST_CALLS = { standard: 400, quick: 50, multipleOf: 50 } as const;

/** The tiny run used by the tests: every workload, a few hundred operations. */
export const QUICK = {
  ops: 300,
  warmup: 30,
  fanOut: [1, 10, 100],
  insertSteps: [500, 1_000],
  rounds: 1,
  probeOps: 20,
  codecIterations: 1_000,
} as const;

function positiveInt(name: string, max = 100_000_000) {
  return (text: string): number => {
    if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`${name} must be a whole number; got "${text}"`);
    const n = Number(text);
    if (n < 1 || n > max) throw new InvalidArgumentError(`${name} must be from 1 to ${max}; got ${n}`);
    return n;
  };
}

function nonNegativeInt(name: string, max: number) {
  return (text: string): number => (text.trim() === '0' ? 0 : positiveInt(name, max)(text));
}

function intList(name: string, max: number) {
  return (text: string): number[] => {
    const parse = positiveInt(name, max);
    const list = text.split(',').map((part) => parse(part));
    return [...new Set(list)].sort((a, b) => a - b);
  };
}

function serverCostCalls(text: string): number {
  const n = positiveInt('--calls', 100_000)(text);
  if (n % SERVER_COST_CALLS.multipleOf !== 0) {
    throw new InvalidArgumentError(
      `--calls must be a multiple of ${SERVER_COST_CALLS.multipleOf} (Redis runs a Lua GC step every 50 scripts); got ${n}`,
    );
  }
  return n;
}

function redisUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`--redis must be a URL like redis://127.0.0.1:6380; got "${text}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InvalidArgumentError(`--redis must start with redis:// or rediss://; got "${text}"`);
  }
  return text;
}

/** The commander program; exitOverride lets tests see errors instead of an exit. */
export function benchCommand(): Command {
  return new Command('bench')
    .description('Benchmarks user-session-redis-storage against raw SET/GET and the MULTI+LIST design it replaces')
    .addOption(
      new Option('--redis <url>', 'use this server instead of an embedded one (its keys are left alone: the bench writes under its own prefix)')
        .env('REDIS_URL')
        .argParser(redisUrl),
    )
    .option('--quick', 'tiny run (a few hundred ops per workload), as the tests use', false)
    .option('--stores', 'instead: the express-session store (user-session-redis-storage/express-session) against connect-redis', false)
    .option(
      '--touch-after <seconds>',
      "with --stores: the store's touchAfterSeconds (default 0: every request slides)",
      nonNegativeInt('--touch-after', 2 ** 31 - 1),
    )
    .option(
      '--extended',
      'also measure readAll/deleteAll as sessions per subject grow (--fan-out) and insert as stored sessions grow (--insert-steps, --million)',
      false,
    )
    .option('--ops <n>', `measured operations per workload (default ${DEFAULTS.ops})`, positiveInt('--ops'))
    .option('--warmup <n>', `unmeasured operations first (default ${DEFAULTS.warmup})`, nonNegativeInt('--warmup', 10_000_000))
    .option('--concurrency <n>', `operations in flight (default ${DEFAULTS.concurrency})`, positiveInt('--concurrency', 10_000))
    .option(
      '--sessions-per-subject <n>',
      `sessions of each subject for readAll/deleteAll/count (default ${DEFAULTS.sessionsPerSubject})`,
      positiveInt('--sessions-per-subject', 100_000),
    )
    .option(
      '--subjects <n>',
      'subjects whose sessions read, touch, update, readAll, count and mixed cycle over, all prepared before measuring (default: ops / sessions per subject, 1000)',
      positiveInt('--subjects', 1_000_000),
    )
    .option(
      '--meta-pad <bytes>',
      'padding added to the realistic metadata (default 0: about 240 bytes encoded)',
      nonNegativeInt('--meta-pad', 1_000_000),
    )
    .option(
      '--fan-out <list>',
      `with --extended: sessions per subject for the readAll/deleteAll curve (default ${DEFAULTS.fanOut.join(',')})`,
      intList('--fan-out', 100_000),
    )
    .option(
      '--insert-steps <list>',
      `with --extended: stored sessions at which insert latency is sampled (default ${DEFAULTS.insertSteps.join(',')})`,
      intList('--insert-steps', 10_000_000),
    )
    .option(
      '--metrics',
      'instead: what the operation channels cost, read/touch/insert with no subscriber, a histogram one and the OpenTelemetry example (metrics, metrics + spans)',
      false,
    )
    .option('--million', 'with --extended: sample insert latency up to 1,000,000 stored sessions (adds about a minute)', false)
    .option(
      '--rounds <n>',
      `runs of each core case, interleaved with its baselines; the median is reported (default ${DEFAULTS.rounds})`,
      positiveInt('--rounds', 100),
    )
    .option('--probe-ops <n>', `sequential ops counted for round trips (default ${DEFAULTS.probeOps})`, positiveInt('--probe-ops', 1_000_000))
    .addOption(
      new Option('--codec <name>', 'codec of every store (storage, raw baseline, reference), as a user would pass it to the storage')
        .choices(BENCH_CODECS)
        .default('msgpack-lite'),
    )
    .option('--codec-iterations <n>', `codec encode+decode iterations (default ${DEFAULTS.codecIterations})`, positiveInt('--codec-iterations'))
    .option(
      '--server-cost',
      'count Redis instructions per operation, its floor script and its peer, with valgrind --tool=callgrind on a redis-server of its own',
      false,
    )
    .option(
      '--calls <n>',
      `with --server-cost: calls per batch, a multiple of ${SERVER_COST_CALLS.multipleOf} (default ${SERVER_COST_CALLS.standard}; --quick and --write-baseline: ${SERVER_COST_CALLS.quick})`,
      serverCostCalls,
    )
    .option('--write-baseline', "with --server-cost: write the CI gate's baseline (test/bench/server-cost-baseline.json) from this run", false)
    .option('--json <file>', 'write every figure to this file as JSON')
    .option('--markdown', 'print the result table as markdown (for the README)', false)
    .option('--no-progress', 'no progress bar')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

interface RawOptions {
  redis?: string;
  quick: boolean;
  ops?: number;
  warmup?: number;
  concurrency?: number;
  sessionsPerSubject?: number;
  subjects?: number;
  metaPad?: number;
  fanOut?: number[];
  insertSteps?: number[];
  million: boolean;
  probeOps?: number;
  rounds?: number;
  codecIterations?: number;
  codec: BenchCodecName;
  json?: string;
  markdown: boolean;
  progress: boolean;
  extended: boolean;
  stores: boolean;
  touchAfter?: number;
  serverCost: boolean;
  calls?: number;
  writeBaseline: boolean;
  metrics: boolean;
}

/** Parses `argv` (without node and script) into options; explicit flags win over --quick. */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const command = benchCommand();
  // commander reads Option.env() from process.env; tests pass their own env.
  const saved = process.env.REDIS_URL;
  if (env.REDIS_URL === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = env.REDIS_URL;
  try {
    command.parse([...argv], { from: 'user' });
  } finally {
    if (saved === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = saved;
  }
  const o = command.opts<RawOptions>();
  if (!o.stores && o.touchAfter !== undefined) command.error('--touch-after sets the store of --stores; add --stores to run it', { exitCode: 2 });
  if (!o.extended) {
    const flag = o.fanOut ? '--fan-out' : o.insertSteps ? '--insert-steps' : o.million ? '--million' : undefined;
    if (flag) command.error(`${flag} sizes a part of --extended; add --extended to run it`, { exitCode: 2 });
  }
  if (!o.serverCost) {
    const flag = o.calls ? '--calls' : o.writeBaseline ? '--write-baseline' : undefined;
    if (flag) command.error(`${flag} sizes a part of --server-cost; add --server-cost to run it`, { exitCode: 2 });
  } else if (command.getOptionValueSource('redis') === 'cli' || o.extended) {
    command.error(`--server-cost starts a redis-server of its own under valgrind; leave out ${o.extended ? '--extended' : '--redis'}`, {
      exitCode: 2,
    });
  }
  if (o.metrics && o.extended) command.error('--metrics measures only the operation channels; run --extended on its own', { exitCode: 2 });
  const base = o.quick ? { ...DEFAULTS, ...QUICK } : DEFAULTS;
  let insertSteps = o.insertSteps ?? [...base.insertSteps];
  if (o.million) insertSteps = [...new Set([...insertSteps, 1_000_000])].sort((a, b) => a - b);
  return {
    redisUrl: o.redis,
    ops: o.ops ?? base.ops,
    warmup: o.warmup ?? base.warmup,
    concurrency: o.concurrency ?? base.concurrency,
    sessionsPerSubject: o.sessionsPerSubject ?? base.sessionsPerSubject,
    subjects: o.subjects,
    metaPadBytes: o.metaPad ?? base.metaPadBytes,
    fanOut: o.fanOut ?? [...base.fanOut],
    insertSteps,
    rounds: o.rounds ?? base.rounds,
    probeOps: o.probeOps ?? base.probeOps,
    codecIterations: o.codecIterations ?? base.codecIterations,
    codec: o.codec,
    jsonFile: o.json,
    markdown: o.markdown,
    progress: o.progress,
    extended: o.extended,
    stores: o.stores,
    touchAfterSeconds: o.touchAfter ?? 0,
    serverCost: o.serverCost
      ? {
          calls: o.calls ?? (o.quick || o.writeBaseline ? SERVER_COST_CALLS.quick : SERVER_COST_CALLS.standard),
          writeBaseline: o.writeBaseline,
        }
      : undefined,
    metrics: o.metrics,
  };
}
