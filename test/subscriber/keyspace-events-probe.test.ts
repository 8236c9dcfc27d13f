/**
 * 'verify' on a server where the storage's user has no CONFIG permission at
 * all (managed Redis): the probe decides, from notifications it causes.
 * Serial: the tests change the server's notify-keyspace-events.
 */
import anyTest, { type TestFn } from 'ava';
import type { Redis } from 'ioredis';
import { KeySchema } from '../../src/keys/key-schema.js';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

interface Context {
  redis: TestRedis;
  admin: Redis;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  t.context.redis = await TestRedis.start();
  t.context.admin = await t.context.redis.client();
  await t.context.admin.call('ACL', 'SETUSER', 'managed', 'on', '>pw', '~*', '&*', '+@all', '-config');
});
test.after.always(async (t) => {
  await t.context.redis?.stop();
});
test.beforeEach(async (t) => {
  await t.context.admin.call('ACL', 'LOG', 'RESET');
});

/** A client of the user that may not send any CONFIG command. */
const managedClient = (t: { context: Context }): Promise<Redis> => t.context.redis.client({ username: 'managed', password: 'pw' });

async function subscriberCount(admin: Redis): Promise<number> {
  return String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
    .split('\n')
    .filter(Boolean).length;
}

async function evalshaCalls(admin: Redis): Promise<number> {
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
}

for (const [flags, mode] of [
  ['Egxe', 'verify'],
  ['AE', 'verify'],
  ['Egxe', 'configure'],
] as const) {
  test.serial(`'${mode}' without any CONFIG permission succeeds when the operator set "${flags}", and the events flow`, async (t) => {
    const { admin } = t.context;
    await admin.config('SET', 'notify-keyspace-events', flags);
    const storage = await UserSessionRedisStorage.create({ client: await managedClient(t), keyPrefix: 'probe', keyspaceEvents: mode });
    t.teardown(() => storage.close());
    const reported: string[] = [];
    for (const reason of ['expired', 'evicted'] as const) storage.on(reason, (e) => reported.push(`${reason} ${e.sessionId}`));
    await storage.insert('u', 'short', null, 1);
    await storage.insert('u', 'removed', null, 600);
    await admin.del(new KeySchema('probe').valueKey('u', 'removed'));
    await waitFor('both events', () => reported.length === 2, 5000);
    t.deepEqual(reported.sort(), ['evicted removed', 'expired short']);
    t.is(await admin.dbsize(), 0, 'no probe key left behind');
    if (mode === 'verify') t.deepEqual(await admin.call('ACL', 'LOG'), [], "'verify' sent no CONFIG command");
  });
}

for (const [flags, missing] of [
  ['Exe', /lacks "g" \(the del events/],
  ['Ege', /lacks "x" \(the expired events/],
  ['', /lacks "E" \(or both "g" and "x"/],
  ['Kgxe', /lacks "E"/],
] as const) {
  test.serial(`'verify' without CONFIG permission, flags "${flags}": KEYSPACE_EVENTS_DISABLED naming what is missing`, async (t) => {
    const { admin } = t.context;
    await admin.config('SET', 'notify-keyspace-events', flags);
    const before = await subscriberCount(admin);
    const error = await t.throwsAsync(UserSessionRedisStorage.create({ client: await managedClient(t), keyspaceEvents: 'verify' }), {
      instanceOf: UserSessionStorageError,
    });
    t.is(error?.code, 'KEYSPACE_EVENTS_DISABLED');
    t.regex(error.message, missing);
    t.regex(error.message, /include "Egxe".*keyspaceEvents: 'off'/);
    t.is(await admin.dbsize(), 0, 'no probe key left behind');
    await waitFor('the failed subscriber to disconnect', async () => (await subscriberCount(admin)) === before);
  });
}

test.serial("'configure' without any CONFIG permission falls back to the probe: KEYSPACE_EVENTS_DISABLED when flags are missing", async (t) => {
  const { admin } = t.context;
  await admin.config('SET', 'notify-keyspace-events', 'Exe');
  const error = await t.throwsAsync(UserSessionRedisStorage.create({ client: await managedClient(t) }), { instanceOf: UserSessionStorageError });
  t.is(error?.code, 'KEYSPACE_EVENTS_DISABLED');
  t.regex(error.message, /lacks "g"/);
  t.is((await admin.config('GET', 'notify-keyspace-events'))[1], 'xeE', 'nothing changed');
});

test.serial("another instance's probe keys reach subscribed instances, and no cleanup runs for them", async (t) => {
  const { admin } = t.context;
  await admin.config('SET', 'notify-keyspace-events', 'Egxe');
  t.is(new KeySchema('sess').parseValueKey('sess:{}:s:probe:1'), undefined, 'an empty subject is no session');
  const listening = await UserSessionRedisStorage.create({ client: await managedClient(t), keyspaceEvents: 'verify' });
  t.teardown(() => listening.close());
  const reported: string[] = [];
  for (const reason of ['expired', 'evicted', 'deleted'] as const) listening.on(reason, (e) => reported.push(`${reason} ${e.sessionId}`));
  const heard: string[] = [];
  const watcher = await t.context.redis.client();
  watcher.on('message', (channel: string, key: string) => {
    if (key.startsWith('sess:{}:s:probe:')) heard.push(channel.slice(channel.indexOf('__:') + 3));
  });
  await watcher.subscribe('__keyevent@0__:expired', '__keyevent@0__:del');

  const before = await evalshaCalls(admin);
  const probing = await UserSessionRedisStorage.create({ client: await managedClient(t), keyspaceEvents: 'verify' });
  t.teardown(() => probing.close());
  await waitFor('the probe notifications', () => heard.includes('expired') && heard.includes('del'), 5000);
  // A marker published after the probe reaches each subscriber after the probe's messages, and each instance runs its
  // scripts in order on its one client: once both marker cleanups ran, a cleanup of a probe key would have run before.
  await listening.insert('m', 'marker', null, 600);
  await admin.del(new KeySchema('sess').valueKey('m', 'marker'));
  await waitFor('the marker insert and its two cleanups', async () => (await evalshaCalls(admin)) - before >= 3, 5000);
  await Promise.all([listening.count('m'), probing.count('m')]);
  t.is((await evalshaCalls(admin)) - before, 5, 'insert, two marker cleanups, two counts: no script for a probe key');
  t.true(reported.every((r) => r === 'evicted marker'));
  t.is(await admin.dbsize(), 0);
});

test.serial("after a reconnect 'verify' probes again: flags removed meanwhile are reported as an 'error' event", async (t) => {
  const { admin } = t.context;
  await admin.config('SET', 'notify-keyspace-events', 'Egxe');
  const storage = await UserSessionRedisStorage.create({ client: await managedClient(t), keyspaceEvents: 'verify' });
  t.teardown(() => storage.close());
  const errors: UserSessionStorageError[] = [];
  storage.on('error', (e) => errors.push(e));
  await admin.config('SET', 'notify-keyspace-events', 'Ex');
  await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
  await waitFor('the re-verification to fail', () => errors.length > 0, 10_000);
  t.is(errors[0]!.code, 'KEYSPACE_EVENTS_DISABLED');
  t.regex(errors[0]!.message, /lacks "g"/);
  t.is(await admin.dbsize(), 0, 'no probe key left behind');
});
