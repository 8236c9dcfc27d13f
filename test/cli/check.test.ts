import test from 'ava';
import { KeySchema } from '../../src/keys/key-schema.js';
import { UserSessionRedisStorage } from '../../src/index.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { TestRedis } from '../helpers/redis-server.js';
import { luaScripts } from '../../src/scripts/lua.generated.js';

const scriptCount = Object.keys(luaScripts).length;

interface Checked {
  ok: boolean;
  problems: number;
  findings: { code: string; level: 'ok' | 'warning' | 'problem'; detail: string }[];
}

const keys = new KeySchema('sess');

function levels(checked: Checked): Record<string, string> {
  return Object.fromEntries(checked.findings.map((f) => [f.code, f.level]));
}

test('a well configured server with consistent keys passes, with exit code 0', async (t) => {
  const redis = await TestRedis.start(['--notify-keyspace-events', 'Egxe']);
  t.teardown(() => redis.stop());
  const storage = await UserSessionRedisStorage.create({ client: await redis.client(), keyspaceEvents: 'verify' });
  t.teardown(() => storage.close());
  await storage.insert('alice', 'a1', {}, 600);
  await storage.insert('alice', 'a2', {}, 60);
  await storage.insert('bob', 'b1', {}, 600);
  await storage.delete('alice', 'a2');

  const run = await runCliJson<Checked>(['--url', redis.url, 'check']);
  t.is(run.code, 0, run.stdout);
  t.true(run.json.ok);
  t.deepEqual(levels(run.json), {
    'server-version': 'ok',
    'keyspace-events': 'ok',
    'maxmemory-policy': 'ok',
    scripts: 'ok',
    'index-invariant': 'ok',
  });
  t.regex(run.json.findings.at(-1)!.detail, /2 subjects, 2 live sessions/);

  // The same server under a prefix that has no key: a problem, said plainly.
  const wrong = await runCliJson<Checked>(['--url', redis.url, '--prefix', 'sesss', 'check']);
  t.is(wrong.code, 1);
  t.false(wrong.json.ok);
  t.like(levels(wrong.json), { 'server-version': 'ok', 'keyspace-events': 'ok', 'no-keys': 'problem' });
  t.false('index-invariant' in levels(wrong.json));
  t.regex(wrong.json.findings.at(-1)!.detail, /^no keys with prefix "sesss" found on the server: check --prefix/);
});

test('server settings that break or endanger sessions are each explained, with exit code 1', async (t) => {
  const redis = await TestRedis.start(['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru']);
  t.teardown(() => redis.stop());
  // One session, so that the index check has keys to judge and only the settings are at fault.
  const storage = await UserSessionRedisStorage.create({ client: await redis.client(), keyspaceEvents: 'off' });
  await storage.insert('alice', 'a1', {}, 600);
  await storage.close();
  const table = await runCli(['--url', redis.url, 'check']);
  t.is(table.code, 1);
  t.regex(table.stdout, /notify-keyspace-events\s*│\s*PROBLEM\s*│ is "" and lacks "Egxe"/);
  t.regex(table.stdout, /maxmemory-policy\s*│\s*WARNING\s*│ allkeys-lru/);
  t.regex(table.stdout, /1 problem found/);

  // A user without scripting and CONFIG: the scripts cannot load, the settings cannot be read.
  const admin = await redis.client();
  await admin.call('ACL', 'SETUSER', 'app', 'on', '>pw', '~*', '&*', '+@all', '-@scripting', '-config');
  const limited = await runCliJson<Checked>(['--url', `redis://app:pw@${redis.host}:${redis.port}`, 'check']);
  t.is(limited.code, 1);
  t.like(levels(limited.json), { scripts: 'problem', 'keyspace-events': 'warning', 'maxmemory-policy': 'warning' });
  t.regex(
    limited.json.findings.find((f) => f.code === 'scripts')!.detail,
    new RegExp(`${scriptCount} of ${scriptCount} scripts do not load.*allow SCRIPT LOAD and EVALSHA`),
  );
});

test('notify-keyspace-events without "g": a problem that says outside deletes are not announced', async (t) => {
  const redis = await TestRedis.start(['--notify-keyspace-events', 'Exe']);
  t.teardown(() => redis.stop());
  const run = await runCliJson<Checked>(['--url', redis.url, 'check']);
  t.is(run.code, 1);
  const finding = run.json.findings.find((f) => f.code === 'keyspace-events')!;
  t.is(finding.level, 'problem');
  t.regex(finding.detail, /lacks "g" \(g: values deleted from outside \(DEL, UNLINK\)\).*CONFIG SET notify-keyspace-events xeEg/);
});

test('maxmemory-policy: each policy is told apart by whether it loses events, with advice', async (t) => {
  const redis = await TestRedis.start(['--notify-keyspace-events', 'Egxe']);
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  const verdict = async () => (await runCliJson<Checked>(['--url', redis.url, 'check'])).json.findings.find((f) => f.code === 'maxmemory-policy')!;

  t.like(await verdict(), { level: 'ok', detail: 'noeviction (no maxmemory set: nothing is evicted)' });
  await admin.config('SET', 'maxmemory', '100mb');
  await admin.config('SET', 'maxmemory-policy', 'noeviction');
  const noeviction = await verdict();
  t.is(noeviction.level, 'ok');
  t.regex(noeviction.detail, /nothing is evicted; when memory is full, inserts fail/);
  for (const policy of ['volatile-ttl', 'volatile-lfu', 'allkeys-lfu']) {
    await admin.config('SET', 'maxmemory-policy', policy);
    const finding = await verdict();
    t.is(finding.level, 'warning', policy);
    t.regex(finding.detail, /mostly before their subject's index.*now and then an index may go first.*or not at all\. Use noeviction/, policy);
  }
  for (const policy of ['volatile-lru', 'volatile-random', 'allkeys-lru', 'allkeys-random']) {
    await admin.config('SET', 'maxmemory-policy', policy);
    const finding = await verdict();
    t.is(finding.level, 'warning', policy);
    t.regex(finding.detail, /indexes as readily as sessions.*many sessions are then never reported.*Use noeviction.*or volatile-ttl/, policy);
  }
});

test('every departure from the index invariant is found and explained', async (t) => {
  const redis = await TestRedis.start(['--notify-keyspace-events', 'Exe']);
  t.teardown(() => redis.stop());
  const client = await redis.client();
  const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  for (const subject of ['orphaned', 'persisted', 'early', 'stale', 'fine', 'shortened']) {
    await storage.insert(subject, 'x', {}, 3600);
    await storage.insert(subject, 'y', {}, 3600);
  }
  await client.del(keys.indexKey('orphaned')); // two orphan values
  await client.persist(keys.indexKey('persisted'));
  await client.persist(keys.valueKey('persisted', 'x'));
  await client.pexpire(keys.indexKey('early'), 600_000);
  await client.del(keys.valueKey('stale', 'y'));
  await client.pexpire(keys.valueKey('shortened', 'y'), 600_000);
  await client.zadd(keys.indexKey('fine'), '1.5', 'z');
  await client.set(keys.valueKey('fine', 'z'), 'v', 'EX', 60);
  await client.set(keys.indexKey('typed'), 'not a hash');
  await client.set('sess:{%41}:i', 'foreign');

  const run = await runCliJson<Checked>(['--url', redis.url, 'check']);
  t.is(run.code, 1);
  t.false(run.json.ok);
  t.like(levels(run.json), {
    'orphan-value': 'problem',
    'index-without-ttl': 'problem',
    'value-without-ttl': 'problem',
    'value-expiry-mismatch': 'problem',
    'index-expires-early': 'problem',
    'stale-entry': 'warning',
    'bad-expiry': 'problem',
    'wrong-type': 'problem',
    'foreign-key': 'warning',
  });
  t.false('index-invariant' in levels(run.json));
  const detail = (code: string) => run.json.findings.find((f) => f.code === code)!.detail;
  t.regex(detail('orphan-value'), /^2 session values have no entry.*repair/);
  t.true(detail('orphan-value').includes(JSON.stringify(keys.valueKey('orphaned', 'x'))));
  t.regex(detail('stale-entry'), /^1 index entries/);
  t.true(detail('index-expires-early').includes(JSON.stringify(keys.indexKey('early'))));
  t.regex(detail('value-expiry-mismatch'), /^2 session values expire at another instant than their index entry records/);
  t.true(detail('value-expiry-mismatch').includes(JSON.stringify(keys.valueKey('shortened', 'y'))));
  t.true(detail('foreign-key').includes('sess:{%41}:i'));
});
