import test from 'ava';
import { UserSessionRedisStorage, type Codec } from '../../src/index.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';
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
  sessions: { sessionId: string; expiresAt: string; metaData: unknown; undecodable?: string }[];
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

test('revoke --keep ends every other session of the subject ("log out other devices")', async (t) => {
  for (const id of ['k1', 'k2', 'k3']) await storage.insert('kept', id, { id }, 600);
  const others = await runCliJson<{ revoked: string[] }>(['--url', redis.url, 'revoke', 'kept', '--keep', 'k2']);
  t.is(others.code, 0, others.stderr);
  t.deepEqual([...others.json.revoked].sort(), ['k1', 'k3']);
  t.deepEqual([...(await storage.readAll('kept')).keys()], ['k2']);
  const both = await runCli(['--url', redis.url, 'revoke', 'kept', 'k2', '--keep', 'k2']);
  t.is(both.code, 2);
  t.regex(both.stderr, /either a sessionId to revoke or --keep/);
  t.is(await storage.count('kept'), 1, 'nothing revoked');
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

test('a URL that is not redis:// or rediss:// is refused before connecting, with the forms accepted', async (t) => {
  for (const url of ['http://x', 'localhost:6379']) {
    const run = await runCli(['--url', url, 'count', 'x']);
    t.is(run.code, 2, url);
    t.regex(
      run.stderr,
      /option '-u, --url <url>' argument '.*' is invalid\. expected redis:\/\/\[user:password@\]host\[:port\]\[\/db\], rediss:\/\//,
      url,
    );
  }
  t.regex((await runCli(['--url', 'http://x', 'count', 'x'])).stderr, /"http:\/\/" is not a Redis URL/);
  t.regex(
    (await runCli(['count', 'x'], { USER_SESSIONS_REDIS_URL: 'https://x' })).stderr,
    /value 'https:\/\/x' from env 'USER_SESSIONS_REDIS_URL' is invalid/,
  );
});

test("every command's --help shows the global options", async (t) => {
  for (const command of ['list', 'count', 'revoke', 'check', 'repair']) {
    const help = await runCli([command, '--help']);
    t.is(help.code, 0, command);
    t.regex(help.stdout, /Global Options:[\s\S]*--url <url>[\s\S]*--prefix <prefix>[\s\S]*--codec <module>[\s\S]*--json/, command);
  }
});

test('a prefix without any key is said plainly on stderr, the output staying JSON', async (t) => {
  await storage.insert('prefixed', 'a', {}, 60);
  const wrong = ['--url', redis.url, '--prefix', 'no-such-prefix'];
  const warning = /^user-sessions: no keys with prefix "no-such-prefix" found on the server: check --prefix/m;
  for (const args of [
    ['count', 'prefixed'],
    ['list', 'prefixed'],
    ['revoke', 'prefixed'],
  ]) {
    const run = await runCliJson<unknown>([...wrong, ...args]);
    t.is(run.code, 0, args[0]);
    t.regex(run.stderr, warning, args[0]);
  }
  // The right prefix, with a subject that has no session: nothing to warn about.
  const other = await runCli(['--url', redis.url, 'count', 'nobody']);
  t.is(other.stderr, '');
  t.regex(other.stdout, /nobody\s*│\s*0/);
});

const jsonCodec = 'test/fixtures/json-codec.js';

test('list with values of another codec: ids and expiries shown, values undecodable; --codec decodes them', async (t) => {
  // The module the CLI loads, imported by URL (it has no type declarations).
  const { codec } = (await import(new URL('../fixtures/json-codec.js', import.meta.url).href)) as { codec: Codec<unknown> };
  const client = await redis.client();
  const json = await UserSessionRedisStorage.create({ client, keyPrefix: 'json', codec, keyspaceEvents: 'off' });
  t.teardown(() => json.close());
  await json.insert('carol', 'laptop', { ip: '203.0.113.9' }, 3600);
  await json.insert('carol', 'phone', { ip: '203.0.113.10' }, 7200);
  const before = Date.now();

  const table = await runCli(['--url', redis.url, '--prefix', 'json', 'list', 'carol']);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /laptop\s*│\s*\d{4}-\d\d-\d\dT[\d:.]+Z\s*│\s*\(undecodable\)/);
  t.regex(table.stdout, /2 live sessions of "carol"/);
  t.regex(table.stdout, /2 values undecodable by the default MessagePack codec \(stored value has format tag 74.*--codec <module>/);

  const raw = await runCliJson<Listed>(['--url', redis.url, '--prefix', 'json', 'list', 'carol']);
  t.deepEqual(
    raw.json.sessions.map((s) => [s.sessionId, s.metaData, typeof s.undecodable]),
    [
      ['laptop', null, 'string'],
      ['phone', null, 'string'],
    ],
  );
  const expiry = Date.parse(raw.json.sessions[0]!.expiresAt);
  t.true(expiry > before + 3000_000 && expiry < before + 3700_000, raw.json.sessions[0]!.expiresAt);

  for (const module of [jsonCodec, 'test/fixtures/json-codec-default.js']) {
    const decoded = await runCliJson<Listed>(['--url', redis.url, '--prefix', 'json', '--codec', module, 'list', 'carol']);
    t.is(decoded.code, 0, decoded.stderr);
    t.deepEqual(
      decoded.json.sessions.map((s) => [s.sessionId, s.metaData, s.undecodable]),
      [
        ['laptop', { ip: '203.0.113.9' }, undefined],
        ['phone', { ip: '203.0.113.10' }, undefined],
      ],
      module,
    );
  }
  // The other way round: the default codec's values, listed with --codec, are the undecodable ones.
  await storage.insert('carol', 'tablet', { ip: '203.0.113.11' }, 600);
  const mixed = await runCliJson<Listed>(['--url', redis.url, '--codec', jsonCodec, 'list', 'carol']);
  t.is(mixed.json.sessions[0]!.metaData, null);
  t.regex(mixed.json.sessions[0]!.undecodable!, /format tag 1, this storage's codec writes 74/);

  // --codec works for the commands that write, too.
  const revoked = await runCliJson<{ revoked: string[] }>(['--url', redis.url, '--prefix', 'json', '--codec', jsonCodec, 'revoke', 'carol', 'phone']);
  t.deepEqual(revoked.json.revoked, ['phone']);
  t.is(await json.count('carol'), 1);
});

test('a --codec module that cannot be loaded or exports no codec: exit code 2, and the shape expected', async (t) => {
  const missing = await runCli(['--url', redis.url, '--codec', 'test/fixtures/no-such-codec.js', 'list', 'x']);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /^user-sessions: cannot load --codec test\/fixtures\/no-such-codec\.js: Cannot find module/);

  const factory = await runCli(['--url', redis.url, '--codec', 'test/fixtures/not-a-codec.js', 'list', 'x']);
  t.is(factory.code, 2);
  t.regex(
    factory.stderr,
    /exports no codec: export the codec .* `export const codec = \{ encode\(metaData\): Buffer, decode\(bytes: Buffer\): metaData, formatTag\?: number \}`/,
  );
  t.regex(factory.stderr, /a codec object, not a function that makes one/);
});
