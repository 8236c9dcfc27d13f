import test from 'ava';
import { UserSessionRedisStorage } from '../../src/index.js';
import { TestRedis } from '../helpers/redis-server.js';

// readAll probes each index entry with GET and deleteAll with DEL (one call
// per session instead of EXISTS plus another): a value removed from outside
// must still be pruned and reported once, live ones returned or ended.
test('readAll and deleteAll prune a vanished value once and handle the live ones', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const client = await redis.client();
  const storage = await UserSessionRedisStorage.create<{ v: number }>({ client, keyPrefix: 'p', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  const events: string[] = [];
  storage.on('evicted', (e) => events.push(`evicted ${e.sessionId}`));
  storage.on('deleted', (e) => events.push(`deleted ${e.sessionId}`));
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  for (const [n, id] of ['a', 'b', 'c'].entries()) await storage.insert('bob', id, { v: n }, 100);
  await client.del('p:{bob}:s:b');
  t.deepEqual([...(await storage.readAll('bob'))], [['a', { v: 0 }], ['c', { v: 2 }]].sort());
  await tick();
  t.deepEqual(events.splice(0), ['evicted b']);
  t.is(await client.hlen('p:{bob}:i'), 2);

  await client.del('p:{bob}:s:c');
  t.is(await storage.deleteAll('bob'), 1);
  await tick();
  t.deepEqual(events.sort(), ['deleted a', 'evicted c']);
  t.is(await client.dbsize(), 0);
});
