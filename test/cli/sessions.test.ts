import { createServer } from 'node:net';
import test from 'ava';
import { UserSessionRedisStorage } from '../../src/index.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
let storage: UserSessionRedisStorage;

test.before(async () => {
  redis = await TestRedis.start();
  storage = await UserSessionRedisStorage.create({ client: await redis.client(), keyspaceEvents: 'off' });
});

test.after.always(async () => {
  await storage?.close();
  await redis?.stop();
});

interface Listed {
  subject: string;
  sessions: { sessionId: string; expiresAt: string; metaData: unknown }[];
}

test('list prints the live sessions with their metadata and expiry, as a table and as JSON', async (t) => {
  await storage.insert('list:{user}', 'laptop', { ip: '203.0.113.7', device: { type: 'desktop' } }, 3600);
  await storage.insert('list:{user}', 'phone', { ip: '203.0.113.8' }, 7200);
  const before = Date.now();

  const table = await runCli(['--url', redis.url, 'list', 'list:{user}']);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /SESSION ID.*EXPIRES AT.*METADATA/);
  t.regex(table.stdout, /laptop.*203\.0\.113\.7/);
  t.regex(table.stdout, /2 live sessions of "list:\{user\}"/);

  const { code, json } = await runCliJson<Listed>(['--url', redis.url, 'list', 'list:{user}']);
  t.is(code, 0);
  t.deepEqual(
    json.sessions.map((s) => [s.sessionId, s.metaData]),
    [
      ['laptop', { ip: '203.0.113.7', device: { type: 'desktop' } }],
      ['phone', { ip: '203.0.113.8' }],
    ],
  );
  const laptopExpiry = Date.parse(json.sessions[0]!.expiresAt);
  t.true(laptopExpiry > before + 3000_000 && laptopExpiry < before + 3700_000, json.sessions[0]!.expiresAt);
});

test('count and --prefix: another prefix sees none of these sessions', async (t) => {
  await storage.insert('counted', 'a', {}, 60);
  await storage.insert('counted', 'b', {}, 60);
  const counted = await runCliJson<{ count: number }>(['--url', redis.url, 'count', 'counted']);
  t.deepEqual(counted.json, { subject: 'counted', count: 2 });
  const other = await runCliJson<{ count: number }>(['--url', redis.url, '--prefix', 'other', 'count', 'counted']);
  t.is(other.json.count, 0);
});

test('revoke ends one session, then all; a session that is not live gives exit code 1', async (t) => {
  for (const id of ['s1', 's2', 's3']) await storage.insert('revoked', id, { id }, 600);

  const one = await runCliJson<{ revoked: string[] }>(['--url', redis.url, 'revoke', 'revoked', 's2']);
  t.is(one.code, 0, one.stderr);
  t.deepEqual(one.json.revoked, ['s2']);
  t.is(await storage.read('revoked', 's2'), undefined);
  t.is(await storage.count('revoked'), 2);

  const again = await runCli(['--url', redis.url, 'revoke', 'revoked', 's2']);
  t.is(again.code, 1);
  t.regex(again.stdout, /no live session "s2" of "revoked": nothing revoked/);

  const all = await runCliJson<{ revoked: string[] }>(['--url', redis.url, 'revoke', 'revoked']);
  t.is(all.code, 0);
  t.deepEqual([...all.json.revoked].sort(), ['s1', 's3']);
  t.is(await storage.count('revoked'), 0);
});

test('an unreachable server and a missing argument are explained, with exit codes 1 and 2', async (t) => {
  const port = await closedPort();
  const refused = await runCli(['--url', `redis://user:secret@127.0.0.1:${port}`, 'count', 'x']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /cannot connect to redis:\/\/user:\*\*\*@127\.0\.0\.1:\d+.*ECONNREFUSED.*check --url/);
  t.notRegex(refused.stderr, /secret/);

  const usage = await runCli(['--url', redis.url, 'list']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /missing required argument 'subject'/);
});

/** A port nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
