/**
 * What only a single server can show: restarting it on its port, watching
 * its command stream with MONITOR, and its notify-keyspace-events setting.
 * Serial: these tests change the server's global state.
 */
import anyTest, { type TestFn } from 'ava';
import type { Redis } from 'ioredis';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

const test = anyTest as TestFn<{ redis: TestRedis; admin: Redis }>;

test.before(async (t) => {
  t.context.redis = await TestRedis.start();
  t.context.admin = await t.context.redis.client();
});
test.after.always(async (t) => {
  await t.context.redis?.stop();
});
test.beforeEach(async (t) => {
  await t.context.admin.config('SET', 'notify-keyspace-events', '');
});

async function notifyFlags(admin: Redis): Promise<string> {
  return (await admin.config('GET', 'notify-keyspace-events'))[1]!;
}

async function subscriberCount(admin: Redis): Promise<number> {
  const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  return list.split('\n').filter(Boolean).length;
}

test.serial(
  "the storage's own connection sends nothing but SCRIPT LOAD at start and EVALSHA after; the caller's client carries nothing",
  async (t) => {
    const { redis, admin } = t.context;
    const client = await redis.client();
    const callers = `${client.stream.localAddress}:${client.stream.localPort}`;
    const monitor = await admin.monitor();
    const bySource = new Map<string, string[][]>();
    monitor.on('monitor', (_time: string, args: string[], from: string) => {
      if (from === 'lua') return; // what the scripts call
      bySource.set(from, [...(bySource.get(from) ?? []), args]);
    });
    const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: 'off', concurrentSessions: 3, keyPrefix: 'monitor' });
    await storage.insert('u', 'a', { n: 1 }, 60);
    await storage.read('u', 'a');
    await storage.readAll('u');
    await storage.update('u', 'a', { n: 2 });
    await storage.touch('u', 'a', 60);
    await storage.count('u');
    await storage.delete('u', 'a');
    await storage.deleteAll('u');
    const evalshas = () => [...bySource.values()].flat().filter((args) => args[0]!.toUpperCase() === 'EVALSHA').length;
    await waitFor('MONITOR to show the 8 operations', () => evalshas() === 8);
    monitor.disconnect();
    await storage.close();
    t.deepEqual(bySource.get(callers) ?? [], [], "the caller's client sent nothing");
    const sources = [...bySource.keys()];
    t.is(sources.length, 1, `one connection of the storage's own: ${sources.join(', ')}`);
    const names = bySource
      .get(sources[0]!)!
      .map((args) => `${args[0]!.toUpperCase()}${args[0]!.toUpperCase() === 'SCRIPT' ? ` ${args[1]!.toUpperCase()}` : ''}`);
    const firstLoad = names.indexOf('SCRIPT LOAD');
    const firstEval = names.indexOf('EVALSHA');
    t.true(firstLoad >= 0 && firstEval > firstLoad);
    const handshake = names.slice(0, firstLoad);
    t.true(
      handshake.every((name) => ['HELLO', 'CLIENT', 'INFO'].includes(name)),
      `ioredis's handshake only: ${handshake.join(', ')}`,
    );
    t.deepEqual(new Set(names.slice(firstLoad, firstEval)), new Set(['SCRIPT LOAD']), 'only SCRIPT LOAD before the first operation');
    t.deepEqual(names.slice(firstEval), Array(8).fill('EVALSHA'), 'one EVALSHA per operation, nothing else');
  },
);

test.serial("keyspaceEvents 'configure' adds only the missing flags and keeps the others", async (t) => {
  const { redis, admin } = t.context;
  // K (keyspace channels) is not needed, since the subscriber listens on keyevent channels, but another application may be.
  await admin.config('SET', 'notify-keyspace-events', 'Kg$');
  const storage = await UserSessionRedisStorage.create({ client: await redis.client() });
  const flags = await notifyFlags(admin);
  t.deepEqual([...flags].sort(), [...'$EKegx'].sort(), `E, x and e added, K, g and $ kept: ${flags}`);
  await storage.close();
});

test.serial("keyspaceEvents 'verify' rejects create() when the flags are missing and leaves no connection behind", async (t) => {
  const { redis, admin } = t.context;
  const before = await subscriberCount(admin);
  const error = await t.throwsAsync(UserSessionRedisStorage.create({ client: await redis.client(), keyspaceEvents: 'verify' }), {
    instanceOf: UserSessionStorageError,
  });
  t.is(error?.code, 'KEYSPACE_EVENTS_DISABLED');
  t.regex(error.message, /Egxe/);
  t.is(await notifyFlags(admin), '', 'verify never writes the setting');
  await waitFor('the failed subscriber to disconnect', async () => (await subscriberCount(admin)) === before);
  await admin.config('SET', 'notify-keyspace-events', 'EA');
  const storage = await UserSessionRedisStorage.create({ client: await redis.client(), keyspaceEvents: 'verify' });
  await storage.close();
  t.pass();
});

test.serial("'configure' with CONFIG SET refused: KEYSPACE_EVENTS_DISABLED while flags are missing, works once they are set", async (t) => {
  const { redis, admin } = t.context;
  await admin.call('ACL', 'SETUSER', 'no-config-set', 'on', '>pw', '~*', '&*', '+@all', '-config|set');
  const limited = () => redis.client({ username: 'no-config-set', password: 'pw' });
  await t.throwsAsync(UserSessionRedisStorage.create({ client: await limited() }), {
    instanceOf: UserSessionStorageError,
    code: 'KEYSPACE_EVENTS_DISABLED',
  } as never);
  await admin.config('SET', 'notify-keyspace-events', 'Egxe');
  const storage = await UserSessionRedisStorage.create({ client: await limited(), keyPrefix: 'limited' });
  await storage.insert('u', 'a', {}, 60);
  t.is(await storage.count('u'), 1);
  await storage.close();
});

test.serial("keyspaceEvents 'off' opens no subscriber connection", async (t) => {
  const { redis, admin } = t.context;
  const before = await subscriberCount(admin);
  const storage = await UserSessionRedisStorage.create({ client: await redis.client(), keyspaceEvents: 'off' });
  t.is(await subscriberCount(admin), before);
  t.is(await notifyFlags(admin), '');
  await storage.close();
});

test.serial('works on a RESP2 connection as on RESP3', async (t) => {
  const { redis } = t.context;
  const storage = await UserSessionRedisStorage.create<{ n: number }>({ client: await redis.client({ protocol: 2 }), keyPrefix: 'resp2' });
  const expired: string[] = [];
  storage.on('expired', (e) => expired.push(e.sessionId));
  await storage.insert('u', 'a', { n: 1 }, 1);
  await storage.insert('u', 'b', { n: 2 }, 60);
  t.deepEqual(await storage.read('u', 'b'), { n: 2 });
  t.deepEqual([...(await storage.readAll('u')).keys()].sort(), ['a', 'b']);
  await waitFor('the expiry', () => expired.length === 1);
  t.is(await storage.count('u'), 1);
  await storage.close();
});

test.serial('a storage opens two connections (commands, subscriber), one with keyspaceEvents off, and close() ends them', async (t) => {
  const { redis, admin } = t.context;
  const count = async () => ((await admin.call('CLIENT', 'LIST')) as string).split('\n').filter(Boolean).length;
  const client = await redis.client();
  const before = await count();
  const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'conns' });
  t.is(await count(), before + 2);
  const quiet = await UserSessionRedisStorage.create({ client, keyPrefix: 'conns', keyspaceEvents: 'off' });
  t.is(await count(), before + 3);
  await Promise.all([storage.close(), quiet.close()]);
  await waitFor('the storages to close their connections', async () => (await count()) === before);
  t.is(client.status, 'ready', "the caller's client stays open");
});

// Last: it restarts the server, which drops every connection of this file.
test.serial('after a server restart on its port, scripts, keyspace events and the subscription come back by themselves', async (t) => {
  const { redis } = t.context;
  const client = await redis.client();
  const storage = await UserSessionRedisStorage.create<{ n: number }>({ client, keyPrefix: 'restart' });
  const expired: string[] = [];
  storage.on('expired', (e) => expired.push(e.sessionId));
  await storage.insert('u', 'before', { n: 1 }, 60);
  await redis.restart();
  t.is(await storage.read('u', 'before'), undefined, 'the restarted server kept nothing');
  await storage.insert('u', 'after', { n: 2 }, 1);
  t.deepEqual(await storage.read('u', 'after'), { n: 2 });
  const admin = await redis.client();
  await waitFor('the subscriber to re-apply notify-keyspace-events', async () => (await notifyFlags(admin)).includes('E'));
  await waitFor('the expiry to be reported by the resubscribed subscriber', () => expired.includes('after'));
  t.is(await storage.count('u'), 0);
  await storage.close();
});
