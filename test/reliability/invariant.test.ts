import test from 'ava';
import { KeySchema } from '../../src/keys/key-schema.js';
import { UserSessionRedisStorage } from '../../src/index.js';
import { assertInvariant, assertNothingRemains, checkInvariant } from '../helpers/invariant.js';
import { TestRedis } from '../helpers/redis-server.js';

let server: TestRedis;
test.before(async () => {
  server = await TestRedis.start();
});
test.after.always(async () => {
  await server?.stop();
});

test('the checker passes a healthy store and reports each kind of violation', async (t) => {
  const client = await server.client();
  // 'off': a subscriber would clean up the outside DEL below (its 'del' notification) before the checker sees it.
  const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'inv', keyspaceEvents: 'off' });
  await storage.insert('u', 's1', { a: 1 }, 60);
  await storage.insert('u', 's2', { a: 2 }, 60);
  await storage.insert('v', 's1', null, 60);
  const healthy = await assertInvariant(t, client, 'inv');
  t.is(healthy.live, 3);

  const keys = new KeySchema('inv');
  await client.persist(keys.valueKey('u', 's1')); // no TTL
  await client.del(keys.valueKey('u', 's2')); // entry without value, before its expiry
  await client.zrem(keys.indexKey('v'), 's1'); // value without entry
  await client.set('inv:stray', 'x', 'EX', 60); // foreign key
  const broken = await checkInvariant(client, 'inv');
  t.is(broken.violations.length, 5, broken.violations.join('\n')); // persist also breaks the value-expiry match
  t.deepEqual(broken.orphanValues, [{ subject: 'v', sessionId: 's1' }]);
  t.deepEqual(broken.vanishedEarly, [{ subject: 'u', sessionId: 's2' }]);
  await storage.close();
});

test('an entry whose recorded expiry has passed counts as pending cleanup, not as a violation', async (t) => {
  const client = await server.client();
  const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'pend', keyspaceEvents: 'off', indexGraceSeconds: 1 });
  await storage.insert('u', 's', 1, 1);
  await new Promise((r) => setTimeout(r, 1100));
  const report = await assertInvariant(t, client, 'pend');
  t.is(report.pendingCleanup, 1);
  t.is(report.live, 0);
  // No notification, no operation: the index's own TTL (grace 1 s) still removes it.
  await assertNothingRemains(t, client, 'pend', 5000);
  await storage.close();
});
