/**
 * A session's value removed from outside the library (an operator's DEL or
 * UNLINK) is reported once, as 'evicted', through the 'del' keyspace
 * notification; the storage's own deletes, which also publish 'del', are
 * not reported twice.
 */
import anyTest, { type TestFn } from 'ava';
import type { Redis } from 'ioredis';
import { KeySchema } from '../../src/keys/key-schema.js';
import { UserSessionRedisStorage } from '../../src/index.js';
import { afterEvents } from '../helpers/own-storage.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

interface Context {
  redis: TestRedis;
  admin: Redis;
}
const test = anyTest as TestFn<Context>;
const keys = new KeySchema('od');

test.before(async (t) => {
  t.context.redis = await TestRedis.start(['--notify-keyspace-events', 'Kgxe']);
  t.context.admin = await t.context.redis.client();
});
test.after.always(async (t) => {
  await t.context.redis?.stop();
});

type Reported = { reason: string; session: string }[];

/** Two instances on one server and prefix (two clients, two subscribers), recording every end either reports. */
async function twoInstances(t: { context: Context; teardown(fn: () => unknown): void }): Promise<{
  storages: UserSessionRedisStorage[];
  reported: Reported;
}> {
  const reported: Reported = [];
  const storages: UserSessionRedisStorage[] = [];
  for (let i = 0; i < 2; i++) {
    const storage = await UserSessionRedisStorage.create({ client: await t.context.redis.client(), keyPrefix: 'od' });
    t.teardown(() => storage.close());
    for (const reason of ['expired', 'evicted', 'deleted'] as const) {
      storage.on(reason, (e) => reported.push({ reason, session: `${e.subject}/${e.sessionId}` }));
    }
    storages.push(storage);
  }
  return { storages, reported };
}

async function evalshaCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

/**
 * Waits until both instances' cleanups of `notifications` del notifications
 * have run (each instance runs one cleanup script per notification it
 * receives: counted in commandstats) and their replies have been handled
 * (an operation sent after on the same client is answered after), so that a
 * second report, if any, would have been emitted by now.
 */
async function cleanupsSettled(
  admin: Redis,
  storages: UserSessionRedisStorage[],
  from: number,
  notifications: number,
  instancesPerNotification = storages.length,
): Promise<void> {
  await waitFor(
    `${notifications * instancesPerNotification} cleanup scripts`,
    async () => (await evalshaCalls(admin)) - from >= notifications * instancesPerNotification,
    5000,
  );
  for (const storage of storages) await storage.count('nobody');
  await afterEvents();
}

for (const command of ['DEL', 'UNLINK'] as const) {
  test.serial(`an operator's ${command} of a live session's value is reported once, as 'evicted', across two instances`, async (t) => {
    const { admin } = t.context;
    const { storages, reported } = await twoInstances(t);
    const [first, second] = storages as [UserSessionRedisStorage, UserSessionRedisStorage];
    await first.insert('alice', 'gone', { n: 1 }, 600);
    await first.insert('alice', 'kept', { n: 2 }, 600);

    const before = await evalshaCalls(admin);
    t.is(await admin.call(command, keys.valueKey('alice', 'gone')), 1);
    await waitFor("the 'evicted' event of the removed value", () => reported.length > 0, 5000);
    await cleanupsSettled(admin, storages, before, 1);
    t.deepEqual(reported, [{ reason: 'evicted', session: 'alice/gone' }]);

    for (const storage of storages) {
      t.is(await storage.read('alice', 'gone'), undefined);
      t.deepEqual([...(await storage.readAll('alice')).keys()], ['kept']);
      t.is(await storage.count('alice'), 1);
    }
    t.is(await admin.zscore(keys.indexKey('alice'), 'gone'), null, 'the cleanup removed the index entry');
    await second.deleteAll('alice');
  });
}

test.serial("the storage's own delete and deleteAll publish 'del' too, and are reported once, as 'deleted' only", async (t) => {
  const { admin } = t.context;
  const { storages, reported } = await twoInstances(t);
  const [first, second] = storages as [UserSessionRedisStorage, UserSessionRedisStorage];
  await first.insert('bob', 'a', 1, 600);
  await first.insert('bob', 'b', 2, 600);
  await first.insert('bob', 'c', 3, 600);

  const before = await evalshaCalls(admin);
  t.true(await first.delete('bob', 'a'));
  t.is(await second.deleteAll('bob'), 2);
  // 2 operations, then a cleanup for each of the 3 del notifications by the instance that did not delete the key:
  // the one that did knows the cleanup would find nothing to do (src/subscriber/own-deletes.ts).
  await cleanupsSettled(admin, storages, before + 2, 3, 1);
  t.is((await evalshaCalls(admin)) - before, 2 + 3 + 2, 'the operations, 3 cleanups, the two counts of cleanupsSettled');
  t.deepEqual(reported.map((r) => `${r.reason} ${r.session}`).sort(), ['deleted bob/a', 'deleted bob/b', 'deleted bob/c']);
  t.is(await admin.exists(keys.indexKey('bob')), 0);
});

test.serial("with 'g', every insert and touch publishes 'expire' to each subscribed instance, which ignores it without a call", async (t) => {
  const { admin, redis } = t.context;
  const { storages, reported } = await twoInstances(t);
  await storages[0]!.insert('carol', 'marker', 1, 600);
  const watcher = await redis.client();
  const heard: string[] = [];
  watcher.on('pmessage', (_p: string, _c: string, message: string) => heard.push(message));
  await watcher.psubscribe('__keyspace@0__:od:{*}:s:*');
  const before = await evalshaCalls(admin);
  await storages[0]!.insert('carol', 'a', 1, 600);
  await storages[1]!.touch('carol', 'a', 900);
  await waitFor("the two 'expire' notifications", () => heard.length === 2, 5000);
  t.deepEqual(heard, ['expire', 'expire']);
  // A marker deleted after them reaches each instance after them: once both instances' marker cleanups are done, a
  // cleanup for an 'expire' would have been sent before.
  await admin.del(keys.valueKey('carol', 'marker'));
  await cleanupsSettled(admin, storages, before + 2, 1);
  t.is((await evalshaCalls(admin)) - before, 6, "insert, touch, the marker's two cleanups, two counts: no call for 'expire'");
  t.deepEqual(reported, [{ reason: 'evicted', session: 'carol/marker' }]);
  await storages[0]!.deleteAll('carol');
});

test.serial(
  'an index deleted (or evicted) before its sessions: their later end is not reported, since no record is left to report it once',
  async (t) => {
    const { admin } = t.context;
    const { storages, reported } = await twoInstances(t);
    await storages[0]!.insert('dave', 'short', 1, 1);
    await admin.del(keys.indexKey('dave'));
    const before = await evalshaCalls(admin);
    await waitFor('the value to expire', async () => (await admin.exists(keys.valueKey('dave', 'short'))) === 0, 5000);
    await cleanupsSettled(admin, storages, before, 1);
    t.deepEqual(reported, []);
  },
);

// read-2.lua deletes a value whose index entry is gone and reports it, once, as 'evicted'.
test("an index deleted (or evicted) before its sessions: a read of such a session reports it once, as 'evicted'", async (t) => {
  const { admin } = t.context;
  const { storages, reported } = await twoInstances(t);
  await storages[0]!.insert('erin', 'orphan', 1, 600);
  await admin.del(keys.indexKey('erin'));
  const before = await evalshaCalls(admin);
  t.is(await storages[1]!.read('erin', 'orphan'), undefined);
  t.is(await admin.exists(keys.valueKey('erin', 'orphan')), 0, 'the orphan value is removed');
  // The read, then both instances' cleanups of its 'del' notification (which find no entry).
  await cleanupsSettled(admin, storages, before + 1, 1);
  t.deepEqual(reported, [{ reason: 'evicted', session: 'erin/orphan' }]);
});
