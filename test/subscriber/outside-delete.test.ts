/**
 * A session's value removed from outside the library (an operator's DEL or
 * UNLINK) is reported once, as 'evicted', through the 'del' keyevent
 * notification; the storage's own deletes, which also publish 'del', are
 * not reported twice. Inserts and touches publish nothing the subscribers
 * receive; other applications' keys reach them and cost no call.
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
  t.context.redis = await TestRedis.start(['--notify-keyspace-events', 'Egxe']);
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
  /** Per instance, every pub/sub message its connections received, as "<channel> <message>". */
  heard: string[][];
}> {
  const reported: Reported = [];
  const storages: UserSessionRedisStorage[] = [];
  const heard: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const client = await t.context.redis.client();
    heard.push(listenToDuplicates(client));
    const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'od' });
    t.teardown(() => storage.close());
    for (const reason of ['expired', 'evicted', 'deleted'] as const) {
      storage.on(reason, (e) => reported.push({ reason, session: `${e.subject}/${e.sessionId}` }));
    }
    storages.push(storage);
  }
  return { storages, reported, heard };
}

/**
 * Records what the storage's own connections (duplicates of `client`: its
 * command connection and its subscriber) receive through pub/sub, whether
 * subscribed to channels or to patterns.
 */
function listenToDuplicates(client: Redis): string[] {
  const messages: string[] = [];
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const connection = duplicate(...args);
    connection.on('message', (channel: string, message: string) => messages.push(`${channel} ${message}`));
    connection.on('pmessage', (_pattern: string, channel: string, message: string) => messages.push(`${channel} ${message}`));
    return connection;
  };
  return messages;
}

/** The messages up to the first that mentions `key`, that one included: what comes after may be a cleanup's own notifications. */
function upTo(messages: string[], key: string): string[] {
  return messages.slice(0, messages.findIndex((m) => m.includes(key)) + 1);
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

test.serial('an insert and a touch cause no message at all on the subscribed instances; an outside DEL after them does, once each', async (t) => {
  const { admin } = t.context;
  const { storages, reported, heard } = await twoInstances(t);
  const marker = keys.valueKey('carol', 'marker');
  await storages[0]!.insert('carol', 'marker', 1, 600);
  const before = await evalshaCalls(admin);
  const heardBefore = heard.map((h) => h.length);
  const heardSince = (): string[][] => heard.map((h, i) => h.slice(heardBefore[i]));
  await storages[0]!.insert('carol', 'a', 1, 600);
  await storages[1]!.touch('carol', 'a', 900);
  // Pub/sub messages reach a connection in the order Redis published them: once the marker's 'del' has arrived at
  // both instances, a message of the insert or the touch would have arrived before it.
  await admin.del(marker);
  await waitFor("the marker's notification at both instances", () => heardSince().every((h) => h.some((m) => m.includes(marker))), 5000);
  t.deepEqual(
    heardSince().map((h) => upTo(h, marker)),
    [[`__keyevent@0__:del ${marker}`], [`__keyevent@0__:del ${marker}`]],
    "each subscriber connection received the marker's del, and nothing for the insert or the touch",
  );
  await cleanupsSettled(admin, storages, before + 2, 1);
  t.is((await evalshaCalls(admin)) - before, 6, "insert, touch, the marker's two cleanups, two counts");
  t.deepEqual(reported, [{ reason: 'evicted', session: 'carol/marker' }]);
  await storages[0]!.deleteAll('carol');
});

test.serial("other applications' keys that expire or are deleted reach every instance, one message each, and cost no call", async (t) => {
  const { admin } = t.context;
  const { storages, reported, heard } = await twoInstances(t);
  await storages[0]!.insert('frank', 'marker', 1, 600);
  const marker = keys.valueKey('frank', 'marker');
  // Another prefix with the same layout, a prefix that only starts like this one, keys of no prefix, this prefix's index.
  const foreign = [
    new KeySchema('other').valueKey('frank', 'x'),
    'odx:{frank}:s:y',
    'od:frank',
    'plain',
    new KeySchema('other').indexKey('frank'),
    keys.indexKey('nobody'),
  ];
  const heardBefore = heard.map((h) => h.length);
  const heardSince = (): string[][] => heard.map((h, i) => h.slice(heardBefore[i]));
  const before = await evalshaCalls(admin);
  for (const [i, key] of foreign.entries()) {
    if (i % 2 === 0) {
      await admin.set(key, '1');
      t.is(await admin.del(key), 1);
    } else {
      await admin.set(key, '1', 'PX', 1);
      // A read past the TTL expires the key there and then.
      await waitFor(`${key} to expire`, async () => (await admin.get(key)) === null, 5000);
    }
  }
  // Another database's notifications go to its own channels: not even a message.
  const otherDb = await t.context.redis.client({ db: 1 });
  await otherDb.set(marker, '1');
  t.is(await otherDb.del(marker), 1);
  await admin.del(marker);
  await waitFor("the marker's notification at both instances", () => heardSince().every((h) => h.some((m) => m.includes(marker))), 5000);
  const expected = [...foreign.map((key, i) => `__keyevent@0__:${i % 2 === 0 ? 'del' : 'expired'} ${key}`), `__keyevent@0__:del ${marker}`];
  t.deepEqual(
    heardSince().map((h) => upTo(h, marker)),
    [expected, expected],
    'every instance receives the keyevent notifications of every key of the database',
  );
  await cleanupsSettled(admin, storages, before, 1);
  t.is((await evalshaCalls(admin)) - before, 2 + 2, "the marker's two cleanups, two counts: no call for a foreign key");
  t.deepEqual(reported, [{ reason: 'evicted', session: 'frank/marker' }]);
  await storages[0]!.deleteAll('frank');
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
