/**
 * The background work of a storage on one server is published on the
 * diagnostics channels of docs/observability.md, with what each message
 * promises. Channels are process-wide: every test uses its own server, and
 * filters messages by that server's address or its own key prefix.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import test, { type ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import {
  diagnosticsChannels,
  UserSessionRedisStorage,
  UserSessionStorageError,
  type BackgroundErrorMessage,
  type ScriptLoadMessage,
  type SubscriberMessage,
} from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

/** Every message of one channel that `mine` accepts, from now until the test ends. */
function listen<T>(t: ExecutionContext, name: string, mine: (message: T) => boolean): T[] {
  const messages: T[] = [];
  const onMessage = (message: unknown): void => {
    if (mine(message as T)) messages.push(message as T);
  };
  subscribe(name, onMessage);
  t.teardown(() => void unsubscribe(name, onMessage));
  return messages;
}

async function ownServer(t: ExecutionContext): Promise<{ server: TestRedis; admin: Redis; node: string }> {
  const server = await TestRedis.start();
  t.teardown(() => server.stop());
  return { server, admin: await server.client(), node: `${server.host}:${server.port}` };
}

test('a NOSCRIPT reload names the server and the script; a reload after a reconnect names the server', async (t) => {
  const { server, admin, node } = await ownServer(t);
  const loads = listen<ScriptLoadMessage>(t, diagnosticsChannels.scriptLoad, (m) => m.node === node);
  const storage = await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix: 'loads', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  // The storage's own connection loads every script when it first becomes ready, and again after each reconnect.
  await waitFor('the first ready', () => loads.length >= 1);
  t.deepEqual(loads.splice(0), [{ trigger: 'ready', node, script: 'all', error: undefined }]);
  await storage.insert('u', 'a', { n: 1 }, 60);
  await admin.script('FLUSH');
  t.deepEqual(await storage.read('u', 'a'), { n: 1 });
  await waitFor('the NOSCRIPT reload to be traced', () => loads.length >= 1);
  t.deepEqual(loads, [{ trigger: 'noscript', node, script: 'read', error: undefined }]);

  // Every connection but the admin's: the storage's own reconnects and loads every script again.
  await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  await waitFor('the reload after the reconnect to be traced', () => loads.length >= 2);
  t.deepEqual(loads[1], { trigger: 'ready', node, script: 'all', error: undefined });
});

test('a subscriber that reconnects traces its resubscription', async (t) => {
  const { server, admin, node } = await ownServer(t);
  const subscribers = listen<SubscriberMessage>(t, diagnosticsChannels.subscriber, (m) => m.node === node);
  const storage = await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix: 'resub' });
  t.teardown(() => storage.close());
  await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
  await waitFor('the resubscription to be traced', () => subscribers.length >= 1);
  t.deepEqual(subscribers[0], { node, action: 'resubscribed', error: undefined });
});

test("a failed cleanup after a notification is published, with or without an 'error' listener", async (t) => {
  const { server, admin } = await ownServer(t);
  const errors = listen<BackgroundErrorMessage>(t, diagnosticsChannels.backgroundError, (m) => ['unlistened', 'listened'].includes(m.keyPrefix));
  await admin.call('ACL', 'SETUSER', 'app', 'reset', 'on', '>secret', '+@all', '~*', '&*');
  const open = async (keyPrefix: string): Promise<UserSessionRedisStorage> => {
    const storage = await UserSessionRedisStorage.create({ client: await server.client({ username: 'app', password: 'secret' }), keyPrefix });
    t.teardown(() => storage.close());
    return storage;
  };
  const unlistened = await open('unlistened');
  const listened = await open('listened');
  const heard: UserSessionStorageError[] = [];
  listened.on('error', (e) => heard.push(e));
  await unlistened.insert('u', 'a', {}, 60);
  await listened.insert('u', 'a', {}, 60);
  // The cleanup call of a DEL from outside is an EVALSHA: refused from now on.
  await admin.call('ACL', 'SETUSER', 'app', '-evalsha');
  await admin.del(new KeySchema('unlistened').valueKey('u', 'a'), new KeySchema('listened').valueKey('u', 'a'));
  await waitFor('both failed cleanups to be published', () => errors.length >= 2);
  const byPrefix = Object.fromEntries(errors.map((e) => [e.keyPrefix, e]));
  t.like(byPrefix.unlistened, { task: 'cleanup', emitted: false, error: { code: 'REDIS_ERROR' } });
  t.like(byPrefix.listened, { task: 'cleanup', emitted: true, error: { code: 'REDIS_ERROR' } });
  t.true(byPrefix.listened!.error instanceof UserSessionStorageError);
  t.deepEqual(heard, [byPrefix.listened!.error], "the 'error' listener got the very error published");
  t.regex(byPrefix.unlistened!.error.message, /NOPERM/);
});

test('a failed reload after a reconnect is published on both channels', async (t) => {
  const { server, admin, node } = await ownServer(t);
  const loads = listen<ScriptLoadMessage>(t, diagnosticsChannels.scriptLoad, (m) => m.node === node);
  const errors = listen<BackgroundErrorMessage>(t, diagnosticsChannels.backgroundError, (m) => m.keyPrefix === 'reload');
  await admin.call('ACL', 'SETUSER', 'app', 'reset', 'on', '>secret', '+@all', '~*', '&*');
  const storage = await UserSessionRedisStorage.create({
    client: await server.client({ username: 'app', password: 'secret' }),
    keyPrefix: 'reload',
    keyspaceEvents: 'off',
  });
  t.teardown(() => storage.close());
  await admin.call('ACL', 'SETUSER', 'app', '-script');
  await admin.call('CLIENT', 'KILL', 'USER', 'app');
  await waitFor('the failed reload to be published', () => loads.some((m) => m.error !== undefined) && errors.length >= 1);
  const failed = loads.filter((m) => m.error !== undefined);
  t.like(failed, [{ trigger: 'ready', node, script: 'all' }]);
  t.regex(String(failed[0]!.error), /NOPERM/);
  t.like(errors[0], { task: 'script-load', keyPrefix: 'reload', emitted: false });
});
