import test from 'ava';
import { UserSessionRedisStorage } from '../../src/index.js';
import { TestRedis } from '../helpers/redis-server.js';

// ioredis 6's auto-pipelining re-adds the command name for call() but not
// for callBuffer(): a script runner built on callBuffer('EVALSHA', ...) made
// every storage call on such a client throw inside ioredis (found by the bench).
test('every operation works on a client with enableAutoPipelining, batched in one tick', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const client = await redis.client({ enableAutoPipelining: true });
  const storage = await UserSessionRedisStorage.create<{ n: number }>({ client, keyspaceEvents: 'off' });
  t.teardown(() => storage.close());

  const ids = ['a', 'b', 'c', 'd'];
  await Promise.all(ids.map((id, n) => storage.insert('alice', id, { n }, 60)));
  const [one, all, count, touched, updated] = await Promise.all([
    storage.read('alice', 'b'),
    storage.readAll('alice'),
    storage.count('alice'),
    storage.touch('alice', 'c', 120),
    storage.update('alice', 'd', { n: 40 }),
  ]);
  t.deepEqual(one, { n: 1 });
  t.is(all.size, 4);
  t.is(count, 4);
  t.true(touched);
  t.true(updated);
  t.deepEqual(await storage.read('alice', 'd'), { n: 40 });
  t.deepEqual(await Promise.all([storage.delete('alice', 'a'), storage.deleteAll('alice')]), [true, 3]);
  t.is(await client.dbsize(), 0);
});
