import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { TestRedis } from '../helpers/redis-server.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Packed {
  filename: string;
  files: { path: string }[];
}

/** The same code, once as ESM and once as CommonJS: what a user of the published package writes. */
const usage = (load: string) => `${load}
const { Redis } = loadRedis();
const client = new Redis(process.env.REDIS_URL);
const storage = await UserSessionRedisStorage.create({ client, concurrentSessions: 1 });
await storage.insert('alice', 'laptop', { ip: '203.0.113.7' }, 60);
let code;
try { await storage.insert('alice', 'phone', {}, 60); } catch (e) { code = e instanceof UserSessionStorageError && e.code; }
console.log(JSON.stringify({ read: await storage.read('alice', 'laptop'), count: await storage.count('alice'), code, expected: ErrorCode.TOO_MANY_CONCURRENT_SESSIONS }));
await storage.deleteAll('alice');
await storage.close();
client.disconnect();
`;

const esm = usage(`import { UserSessionRedisStorage, UserSessionStorageError, ErrorCode } from 'user-session-redis-storage';
import * as ioredis from 'ioredis';
const loadRedis = () => ioredis;`);

// require() of the ESM package (Node >= 20.19); top-level await is not allowed in CommonJS, hence the wrapper.
const cjs = `const { UserSessionRedisStorage, UserSessionStorageError, ErrorCode } = require('user-session-redis-storage');
const loadRedis = () => require('ioredis');
(async () => {
${usage('')}
})().catch((e) => { console.error(e); process.exit(1); });`;

/** The express-session store through its package subpath: what a user of express-session or @fastify/session writes. */
const adapterUsage = (load: string) => `${load}
const client = new Redis(process.env.REDIS_URL);
const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'web', codec: jsonCodec() });
const store = new UserSessionStore({ storage, subject: (session) => session.userId });
const cookie = { originalMaxAge: 60000, expires: new Date(Date.now() + 60000).toISOString() };
await store.set('the-cookie-secret', { cookie, userId: 'alice' });
const session = await store.get('the-cookie-secret');
const listed = [...(await storage.readAll('alice')).keys()];
await store.destroy('the-cookie-secret');
console.log(JSON.stringify({ userId: session.userId, listed: listed[0] === store.sessionIdOf('the-cookie-secret'), after: await storage.count('alice') }));
await storage.close();
client.disconnect();
`;

const adapterEsm = adapterUsage(`import { UserSessionRedisStorage } from 'user-session-redis-storage';
import { UserSessionStore, jsonCodec } from 'user-session-redis-storage/express-session';
import { Redis } from 'ioredis';`);

const adapterCjs = `const { UserSessionRedisStorage } = require('user-session-redis-storage');
const { UserSessionStore, jsonCodec } = require('user-session-redis-storage/express-session');
const { Redis } = require('ioredis');
(async () => {
${adapterUsage('')}
})().catch((e) => { console.error(e); process.exit(1); });`;

const typed = `import { UserSessionRedisStorage, type DefaultMetaData } from 'user-session-redis-storage';
import { Redis } from 'ioredis';
const storage = await UserSessionRedisStorage.create<DefaultMetaData>({ client: new Redis(), keyspaceEvents: 'off' });
const count: number = await storage.count('alice');
const meta: DefaultMetaData | undefined = await storage.read('alice', 'laptop');
// @ts-expect-error ttl is a number of seconds: the declarations must say so
await storage.insert('alice', 'laptop', {}, '10');
console.log(count, meta);
`;

const typedAdapter = `import session from 'express-session';
import { UserSessionRedisStorage } from 'user-session-redis-storage';
import { UserSessionStore, jsonCodec } from 'user-session-redis-storage/express-session';
import { Redis } from 'ioredis';
declare module 'express-session' {
  interface SessionData { userId?: string }
}
const storage = await UserSessionRedisStorage.create({ client: new Redis(), codec: jsonCodec() });
const store = new UserSessionStore({ storage, subject: (s: session.SessionData) => s.userId });
const middleware = session({ store, secret: 'x', resave: false, saveUninitialized: false });
// @ts-expect-error the subject function names the session's user: a string, not a number
new UserSessionStore({ storage, subject: () => 42 });
console.log(middleware, store.sessionIdOf('sid'));
`;

test('npm pack ships dist, lua, declarations, README and LICENSE only; the tarball works with import, require() and its bin', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'usrs-package-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());

  // prepack builds dist/ from a clean slate; the build logs to stderr, so stdout is the JSON alone.
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: root, maxBuffer: 10 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout) as Packed[];
  const files = packed!.files.map((f) => f.path);
  const unexpected = files.filter((f) => !/^(dist\/.*\.(js|d\.ts)|lua\/.*\.lua|package\.json|LICENSE|README\.md)$/.test(f));
  t.deepEqual(unexpected, []);
  for (const needed of [
    'LICENSE',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'dist/adapters/express-session/index.js',
    'dist/adapters/express-session/index.d.ts',
    'lua/insert-2.lua',
    'lua/includes/result-codes.lua',
  ]) {
    t.true(files.includes(needed), needed);
  }
  if (existsSync(join(root, 'README.md'))) t.true(files.includes('README.md'));

  const project = join(work, 'consumer');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // express-session is the adapter's optional peer dependency (its Store base class), with its types.
  await run(
    npm,
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed!.filename), 'express-session', '@types/express-session'],
    {
      cwd: project,
    },
  );

  await writeFile(join(project, 'esm.mjs'), esm);
  await writeFile(join(project, 'cjs.cjs'), cjs);
  const env = { ...process.env, REDIS_URL: redis.url };
  const expected = { read: { ip: '203.0.113.7' }, count: 1, code: 'TOO_MANY_CONCURRENT_SESSIONS', expected: 'TOO_MANY_CONCURRENT_SESSIONS' };
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const result = await run(process.execPath, [file], { cwd: project, env });
    t.deepEqual(JSON.parse(result.stdout), expected, file);
  }

  await writeFile(join(project, 'adapter-esm.mjs'), adapterEsm);
  await writeFile(join(project, 'adapter-cjs.cjs'), adapterCjs);
  for (const file of ['adapter-esm.mjs', 'adapter-cjs.cjs']) {
    const result = await run(process.execPath, [file], { cwd: project, env });
    t.deepEqual(JSON.parse(result.stdout), { userId: 'alice', listed: true, after: 0 }, file);
  }

  // The declarations resolve through the package's exports, without any source file.
  await writeFile(join(project, 'typed.mts'), typed);
  await writeFile(join(project, 'typed-adapter.mts'), typedAdapter);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const typeRoots = join(root, 'node_modules', '@types');
  const tscArgs = [
    tsc,
    '--noEmit',
    '--strict',
    '--module',
    'nodenext',
    '--target',
    'es2022',
    '--skipLibCheck',
    '--typeRoots',
    typeRoots,
    '--types',
    'node',
    'typed.mts',
    'typed-adapter.mts',
  ];
  const checked = await run(process.execPath, tscArgs, { cwd: project }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
  t.false('failed' in checked, checked.stdout);

  // The bin runs from the built package: shebang, executable bit, its own dependencies.
  const bin = await run(join(project, 'node_modules', '.bin', 'user-sessions'), ['--url', redis.url, 'count', 'alice', '--json'], { cwd: project });
  t.deepEqual(JSON.parse(bin.stdout), { subject: 'alice', count: 0 });

  // ioredis is a peer dependency: an application on ioredis 5 gets no second copy, and both the code and its
  // declarations run on the application's ioredis 5.
  await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', 'ioredis@^5'], { cwd: project });
  const installed = await run(process.execPath, ['-p', "require('ioredis/package.json').version"], { cwd: project });
  t.regex(installed.stdout, /^5\./);
  t.false(existsSync(join(project, 'node_modules', 'user-session-redis-storage', 'node_modules', 'ioredis')), 'no copy of its own');
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const result = await run(process.execPath, [file], { cwd: project, env });
    t.deepEqual(JSON.parse(result.stdout), expected, `${file} on ioredis ${installed.stdout.trim()}`);
  }
  const checked5 = await run(process.execPath, tscArgs, { cwd: project }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
  t.false('failed' in checked5, checked5.stdout);
  const bin5 = await run(join(project, 'node_modules', '.bin', 'user-sessions'), ['--url', redis.url, 'count', 'alice', '--json'], { cwd: project });
  t.deepEqual(JSON.parse(bin5.stdout), { subject: 'alice', count: 0 });
});
