import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startLocalCluster } from '../../scripts/cluster.js';
import { redisCli, REDIS_CLI_BIN, REDIS_SERVER_BIN, systemRedisServer } from '../../scripts/lib/redis-binary.js';
import { TestRedis } from '../helpers/redis-server.js';

/**
 * REDIS_SERVER_BIN and REDIS_CLI_BIN, the documented way to run the tests
 * against another server (docs/redis-versions.md), reach every place that
 * starts one: each is pointed at a wrapper that logs its arguments and runs
 * the real binary.
 */
const realServer = systemRedisServer();
const realCli = redisCli();

/** The calls of the wrapper that started a server (redis-memory-server also asks for --version). */
const starts = (calls: string[]): number => calls.filter((call) => call.startsWith('my-server ') && call.includes('--port')).length;

async function wrappers(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'usrs-bin-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, 'calls.log');
  const wrap = async (name: string, real: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\necho "${name} $*" >> '${log}'\nexec '${real}' "$@"\n`);
    await chmod(path, 0o755);
    return path;
  };
  return {
    server: await wrap('my-server', realServer!),
    cli: await wrap('my-cli', realCli),
    calls: async () => (await readFile(log, 'utf8')).trim().split('\n'),
  };
}

/** Runs `body` with the variables set, and restores them after. */
async function withEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

test.serial('a test server and the local cluster start the REDIS_SERVER_BIN binary, and the cluster is built with REDIS_CLI_BIN', async (t) => {
  const { server, cli, calls } = await wrappers(t);
  await withEnv({ [REDIS_SERVER_BIN]: server, [REDIS_CLI_BIN]: cli }, async () => {
    const redis = await TestRedis.start();
    t.teardown(() => redis.stop());
    t.is(await (await redis.client()).ping(), 'PONG');
    t.is(starts(await calls()), 1);

    const cluster = await startLocalCluster();
    t.teardown(() => cluster.stop());
    const all = await calls();
    t.is(starts(all), 1 + 6, 'one server, then six cluster nodes');
    t.true(
      all.some((call) => call.startsWith('my-cli --cluster create ')),
      all.join('\n'),
    );
  });
});

test.serial('a REDIS_SERVER_BIN or REDIS_CLI_BIN that names no executable fails the start, saying so', async (t) => {
  const missing = join(tmpdir(), 'usrs-no-such-redis-server');
  await withEnv({ [REDIS_SERVER_BIN]: missing }, async () => {
    await t.throwsAsync(TestRedis.start(), {
      message: `REDIS_SERVER_BIN=${missing} is not an executable file: point it at a server binary, or unset it`,
    });
    await t.throwsAsync(startLocalCluster(), { message: /^REDIS_SERVER_BIN=.* is not an executable file/ });
  });
  await withEnv({ [REDIS_CLI_BIN]: missing }, () => {
    t.throws(() => redisCli(), { message: /^REDIS_CLI_BIN=.* is not an executable file/ });
    return Promise.resolve();
  });
});
