import test from 'ava';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { TestRedis } from '../helpers/redis-server.js';

// insert-2.lua looks at the value key only when the index already has an
// entry for the sessionId (the bench's shape fix); these are the three
// outcomes that depend on that look.
test('insert: duplicate rejected, orphan value replaced, stale entry pruned and reported', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const client = await redis.client();
  const storage = await UserSessionRedisStorage.create<{ v: number }>({ client, keyPrefix: 'p', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  const evicted: string[] = [];
  storage.on('evicted', (e) => evicted.push(e.sessionId));

  await storage.insert('alice', 'dup', { v: 1 }, 100);
  const ttl = await client.pttl('p:{alice}:s:dup');
  const error = await t.throwsAsync(storage.insert('alice', 'dup', { v: 2 }, 1000));
  t.is((error as UserSessionStorageError).code, 'SESSION_ALREADY_EXISTS');
  t.deepEqual(await storage.read('alice', 'dup'), { v: 1 });
  t.true((await client.pttl('p:{alice}:s:dup')) <= ttl, 'TTL untouched');

  await client.set('p:{alice}:s:orphan', 'junk');
  await storage.insert('alice', 'orphan', { v: 3 }, 100);
  t.deepEqual(await storage.read('alice', 'orphan'), { v: 3 });

  await client.del('p:{alice}:s:dup');
  await storage.insert('alice', 'dup', { v: 4 }, 100);
  t.deepEqual(await storage.read('alice', 'dup'), { v: 4 });
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(evicted, ['dup'], 'the vanished session is reported once, as evicted');
  t.is(await storage.count('alice'), 2);
});
