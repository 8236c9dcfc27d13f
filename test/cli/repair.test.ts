import test from 'ava';
import { KeySchema } from '../../src/keys/key-schema.js';
import { UserSessionRedisStorage } from '../../src/index.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

interface Repaired {
  removed: { removed: string; subject: string; sessionId: string; detail: string }[];
}

const keys = new KeySchema('sess');

test('repair removes stale entries and orphan values, reports each, keeps live sessions, and never sends KEYS', async (t) => {
  const redis = await TestRedis.start(['--notify-keyspace-events', 'Egxe']);
  t.teardown(() => redis.stop());
  const client = await redis.client();
  // 'off': nothing cleans up behind the test's back, so the stale entries stay until repair.
  const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  await storage.insert('alice', 'live', { who: 'alice' }, 3600);
  await storage.insert('alice', 'short', {}, 1);
  await storage.insert('alice', 'dropped', {}, 3600);
  await storage.insert('bob', 'b1', {}, 3600);
  await storage.insert('bob', 'b2', {}, 3600);
  await storage.insert('carol', 'c1', { who: 'carol' }, 3600);
  await client.del(keys.valueKey('alice', 'dropped')); // stale: value gone before its expiry
  await client.del(keys.indexKey('bob')); // two orphan values
  await waitFor('the 1 s session to expire', async () => (await client.exists(keys.valueKey('alice', 'short'))) === 0);

  const monitor = await client.monitor();
  const commands: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => commands.push(String(args[0]).toLowerCase()));
  t.teardown(() => monitor.disconnect());

  const run = await runCliJson<Repaired>(['--url', redis.url, 'repair']);
  t.is(run.code, 0, run.stderr);
  const removed = run.json.removed.map((r) => `${r.removed} ${r.subject}/${r.sessionId}`).sort();
  t.deepEqual(removed, ['orphan value bob/b1', 'orphan value bob/b2', 'stale index entry alice/dropped', 'stale index entry alice/short']);
  t.regex(run.json.removed.find((r) => r.sessionId === 'short')!.detail, /expired/);
  t.regex(run.json.removed.find((r) => r.sessionId === 'dropped')!.detail, /evicted or deleted from outside/);

  await waitFor('MONITOR to show the scan', () => commands.includes('scan'));
  t.false(commands.includes('keys'));

  t.deepEqual(await storage.read('alice', 'live'), { who: 'alice' });
  t.deepEqual(await storage.read('carol', 'c1'), { who: 'carol' });
  t.deepEqual((await client.zrange(keys.indexKey('alice'), '0', '-1')).sort(), ['live']);
  t.is(await client.exists(keys.valueKey('bob', 'b1'), keys.valueKey('bob', 'b2')), 0);

  const again = await runCli(['--url', redis.url, 'repair']);
  t.is(again.code, 0);
  t.regex(again.stdout, /\(none\)\n0 removed/);
  const check = await runCli(['--url', redis.url, 'check']);
  t.is(check.code, 0, check.stdout);
});
