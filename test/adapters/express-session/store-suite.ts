/**
 * The express-session store's behaviour, written once and run on one
 * server (store-single-node.test.ts) and on the test run's shared cluster
 * (store-cluster.test.ts). Each test starts a real express-session
 * application on its own key prefix and drives it over HTTP with cookie
 * jars, one per device, as browsers would.
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionContext, TestFn } from 'ava';
import type { SessionData } from 'express-session';
import type { Cluster, Redis } from 'ioredis';
import { UserSessionStore, type UserSessionStoreOptions } from '../../../src/adapters/express-session/index.js';
import { sessionIdOfSecret, UserSessionRedisStorage, type SessionEndedEvent, type UserSessionStorageOptions } from '../../../src/index.js';
import type { Backend } from '../../helpers/backend.js';
import { CookieClient, sidOfSignedCookie } from '../../helpers/cookie-client.js';
import { sleep, waitFor } from '../../helpers/wait.js';
import { startSessionApp, type SessionAppOptions } from './session-app.js';

export type StoreSuiteContext = Record<string, never>;

type StorageOptions = Omit<UserSessionStorageOptions<unknown>, 'client' | 'keyPrefix'>;

interface SetupOptions {
  storage?: StorageOptions;
  store?: Partial<UserSessionStoreOptions>;
  app?: Omit<SessionAppOptions, 'store' | 'storage'>;
}

interface Setup {
  storage: UserSessionRedisStorage<unknown>;
  store: UserSessionStore;
  /** A new device: its own cookie jar. */
  device(): CookieClient;
  /** A plain client of the deployment, to look at the keys. */
  redis: Redis | Cluster;
  prefix: string;
  keys(): Promise<string[]>;
  /** The storage id of a device's current session cookie. */
  idOf(device: CookieClient): string;
  deleted: string[];
}

let prefixes = 0;

/**
 * `storageDefaults` apply to every test's storage: the single-node file
 * runs the suite with the JSON codec the README recommends (the store then
 * hands it the framework's session as is), the cluster file with the
 * default MessagePack codec (the store copies the session through JSON).
 */
export function defineStoreSuite(test: TestFn<StoreSuiteContext>, startBackend: () => Promise<Backend>, storageDefaults: StorageOptions = {}): void {
  let backend: Backend | undefined;
  test.before(async () => {
    backend = await startBackend();
  });
  test.after.always(async () => {
    await backend?.stop();
  });

  async function setup(t: ExecutionContext<StoreSuiteContext>, options: SetupOptions = {}): Promise<Setup> {
    if (!backend) throw new Error('the backend did not start');
    const started = backend;
    const prefix = `xs${++prefixes}-${randomUUID().slice(0, 8)}`;
    const redis = await started.client();
    const storage = await UserSessionRedisStorage.create<unknown>({ client: redis, keyPrefix: prefix, ...storageDefaults, ...options.storage });
    t.teardown(() => storage.close());
    t.teardown(async () => {
      await Promise.all((await started.keys(`${prefix}:*`)).map((key) => redis.unlink(key)));
    });
    const deleted: string[] = [];
    storage.on('deleted', (e: SessionEndedEvent) => deleted.push(`${e.subject}/${e.sessionId}`));
    const store = new UserSessionStore({ storage, subject: (session: SessionData) => session.userId, ...options.store });
    const app = await startSessionApp({ store, storage, ...options.app });
    t.teardown(() => app.close());
    return {
      storage,
      store,
      device: () => new CookieClient(app.base),
      redis,
      prefix,
      keys: () => started.keys(`${prefix}:*`),
      idOf: (device) => sessionIdOfSecret(sidOf(device)),
      deleted,
    };
  }

  const sidOf = (device: CookieClient): string => sidOfSignedCookie(device.cookie('sid') ?? '');
  const sidKey = (prefix: string, id: string): string => `${prefix}:{sid:${id}}`;

  test('an anonymous session is one key of its own, in no index; the cookie secret is in no key and no value', async (t) => {
    const { device, keys, redis, prefix, idOf } = await setup(t);
    const visitor = device();
    t.like((await visitor.request('POST', '/visit')).json, { views: 1 });
    t.like((await visitor.request('POST', '/visit')).json, { views: 2 });
    t.deepEqual(await keys(), [sidKey(prefix, idOf(visitor))]);

    const others = Array.from({ length: 20 }, () => device());
    for (const other of others) await other.request('POST', '/visit');
    const all = await keys();
    t.is(all.length, 21);
    t.true(all.every((key) => key.startsWith(`${prefix}:{sid:`) && key.endsWith('}')));
    for (const key of all) {
      const value = (await redis.getBuffer(key))!;
      for (const d of [visitor, ...others]) {
        t.false(key.includes(sidOf(d)));
        t.false(value.includes(sidOf(d)));
      }
    }
  });

  test('logging in after regenerate joins the user sessions under the hash of the new cookie; the anonymous session ends', async (t) => {
    const { device, keys, storage, prefix, idOf } = await setup(t);
    const laptop = device();
    await laptop.request('POST', '/visit');
    const anonymousKey = sidKey(prefix, idOf(laptop));
    const login = await laptop.request('POST', '/login', { user: 'alice' });
    t.is(login.status, 200);
    t.is(login.json.sessionId, idOf(laptop));
    t.not(sidKey(prefix, idOf(laptop)), anonymousKey, 'regenerate gave a new session id');
    t.false((await keys()).includes(anonymousKey));
    t.is(await storage.count('alice'), 1);
    const sessions = await storage.readAll('alice');
    t.deepEqual([...sessions.keys()], [idOf(laptop)]);
    t.like(sessions.get(idOf(laptop)), { userId: 'alice' });
    t.like((await laptop.request('GET', '/me')).json, { userId: 'alice' });
  });

  test('log out everywhere on one device is seen by the other at its next request, which starts a new session', async (t) => {
    const { device, storage, idOf } = await setup(t);
    const laptop = device();
    const phone = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    await phone.request('POST', '/login', { user: 'alice' });
    await phone.request('POST', '/visit');
    const phoneId = idOf(phone);
    t.is(await storage.count('alice'), 2);
    t.deepEqual((await laptop.request('POST', '/logout-everywhere')).json, { ended: 2 });
    t.is((await phone.request('GET', '/me')).status, 401);
    t.is((await laptop.request('GET', '/me')).status, 401);
    // The phone's next session starts from nothing: not the old data under a new id.
    t.deepEqual((await phone.request('POST', '/visit')).json, { views: 1, userId: null });
    t.not(idOf(phone), phoneId);
    t.is(await storage.count('alice'), 0);
  });

  test('a save or touch of a session ended through the storage writes nothing: it stays ended', async (t) => {
    const { device, storage, store, idOf } = await setup(t);
    const laptop = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    const sid = sidOf(laptop);
    const loaded = (await store.get(sid))!;
    t.is(loaded.userId, 'alice');
    t.true(await storage.delete('alice', idOf(laptop)));
    // A request that loaded the session before it was revoked ends after it: modified, unmodified, or logging out by clearing the user.
    await store.set(sid, { ...loaded, views: 9 });
    await store.touch(sid, loaded);
    await store.set(sid, { ...loaded, userId: undefined });
    await store.set(sid, { ...loaded, userId: 'mallory' });
    t.is(await store.get(sid), null);
    t.is(await storage.count('alice'), 0);
    t.is(await storage.count('mallory'), 0);
    t.is((await laptop.request('GET', '/me')).status, 401);
  });

  test('log out this device (destroy) ends its session in the index, removes its key and reports it; the other device stays', async (t) => {
    const { device, storage, keys, idOf, prefix, deleted } = await setup(t);
    const laptop = device();
    const phone = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    await phone.request('POST', '/login', { user: 'alice' });
    const laptopId = idOf(laptop);
    t.is((await laptop.request('POST', '/logout')).status, 204);
    t.deepEqual([...(await storage.readAll('alice')).keys()], [idOf(phone)]);
    t.false((await keys()).includes(sidKey(prefix, laptopId)));
    await waitFor('the deleted event', () => deleted.includes(`alice/${laptopId}`));
    t.is((await laptop.request('GET', '/me')).status, 401);
    t.is((await phone.request('GET', '/me')).status, 200);
  });

  test('a session whose user is cleared without destroy leaves the user sessions and goes on anonymous', async (t) => {
    const { device, storage } = await setup(t);
    const laptop = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    await laptop.request('POST', '/visit');
    await laptop.request('POST', '/forget-user');
    t.is(await storage.count('alice'), 0);
    t.deepEqual((await laptop.request('POST', '/visit')).json, { views: 2, userId: null });
  });

  test("a user id with the key schema's special characters is a subject like any other", async (t) => {
    const { device, storage, idOf } = await setup(t);
    const user = 'ünï}%7D{code}:i';
    const laptop = device();
    await laptop.request('POST', '/login', { user });
    t.like((await laptop.request('GET', '/me')).json, { userId: user });
    t.deepEqual([...(await storage.readAll(user)).keys()], [idOf(laptop)]);
    t.is((await laptop.request('POST', '/logout')).status, 204);
    t.is(await storage.count(user), 0);
  });

  test('logging in without regenerate moves the same session, with its data, into the user sessions', async (t) => {
    const { device, storage, idOf } = await setup(t);
    const laptop = device();
    await laptop.request('POST', '/visit');
    const before = idOf(laptop);
    await laptop.request('POST', '/login-in-place', { user: 'bob' });
    t.is(idOf(laptop), before);
    t.deepEqual([...(await storage.readAll('bob')).keys()], [before]);
    t.like((await laptop.request('GET', '/me')).json, { userId: 'bob', views: 1 });
  });

  test("evict-oldest: a login past the limit ends the oldest device's session, whose next request starts anew", async (t) => {
    const { device, storage } = await setup(t, { storage: { concurrentSessions: 2, onLimit: 'evict-oldest' } });
    const [oldest, middle, newest] = [device(), device(), device()];
    for (const d of [oldest, middle, newest]) {
      await d.request('POST', '/visit');
      t.is((await d.request('POST', '/login', { user: 'alice' })).status, 200);
    }
    t.is(await storage.count('alice'), 2);
    t.is((await oldest.request('GET', '/me')).status, 401);
    t.is((await middle.request('GET', '/me')).status, 200);
    t.is((await newest.request('GET', '/me')).status, 200);
    t.deepEqual((await oldest.request('POST', '/visit')).json, { views: 1, userId: null });
  });

  test('reject: a login past the limit fails with TOO_MANY_CONCURRENT_SESSIONS and writes no session', async (t) => {
    const { device, storage, keys } = await setup(t, { storage: { concurrentSessions: 1, onLimit: 'reject' } });
    const laptop = device();
    const phone = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    const before = await keys();
    const refused = await phone.request('POST', '/login', { user: 'alice' });
    t.deepEqual({ status: refused.status, json: refused.json }, { status: 429, json: { code: 'TOO_MANY_CONCURRENT_SESSIONS' } });
    t.is(await storage.count('alice'), 1);
    t.deepEqual((await keys()).sort(), before.sort());
    t.is((await phone.request('GET', '/me')).status, 401);
    t.is((await laptop.request('GET', '/me')).status, 200);
  });

  test("the cookie's maxAge is the session's TTL and every request slides it", async (t) => {
    const { device, storage, redis, prefix, idOf } = await setup(t, { app: { maxAgeMs: 60_000 } });
    const laptop = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    const indexKey = `${prefix}:{alice}:i`;
    const valueKey = `${prefix}:{alice}:s:${idOf(laptop)}`;
    const first = Number(await redis.zscore(indexKey, idOf(laptop)));
    const ttl = await redis.pttl(valueKey);
    t.true(ttl > 50_000 && ttl <= 60_000, String(ttl));
    await sleep(20);
    t.is((await laptop.request('GET', '/me')).status, 200);
    const second = Number(await redis.zscore(indexKey, idOf(laptop)));
    t.true(second > first, `${second} > ${first}`);
    t.is(Number(await redis.call('PEXPIRETIME', valueKey)), second);
    t.is(await storage.count('alice'), 1);
  });

  test('touchAfterSeconds: a request slides the session only once its expiry was last moved that long ago', async (t) => {
    const { device, redis, prefix, idOf } = await setup(t, { app: { maxAgeMs: 60_000 }, store: { touchAfterSeconds: 1 } });
    const laptop = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    const expiry = async (): Promise<number> => Number(await redis.zscore(`${prefix}:{alice}:i`, idOf(laptop)));
    const atLogin = await expiry();
    t.is((await laptop.request('GET', '/me')).status, 200);
    t.is(await expiry(), atLogin, 'moved less than a second ago: not slid');
    await sleep(1_100);
    t.is((await laptop.request('GET', '/me')).status, 200);
    t.true((await expiry()) > atLogin, 'slid once a second had passed');
  });

  test('without maxAge the store TTL applies; a session whose TTL ran out is no session', async (t) => {
    const { device, store, redis, prefix, idOf, keys } = await setup(t, { store: { ttlSeconds: 2 } });
    const visitor = device();
    await visitor.request('POST', '/visit');
    const ttl = await redis.pttl(sidKey(prefix, idOf(visitor)));
    t.true(ttl > 1_000 && ttl <= 2_000, String(ttl));
    const laptop = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    // Polling with get would slide them: wait for Redis to drop the values.
    const values = [sidKey(prefix, idOf(visitor)), `${prefix}:{alice}:s:${idOf(laptop)}`];
    await waitFor('both sessions to expire', async () => !(await keys()).some((key) => values.includes(key)));
    t.is(await store.get(sidOf(laptop)), null);
    t.is(await store.get(sidOf(visitor)), null);
    t.is((await laptop.request('GET', '/me')).status, 401);
    t.deepEqual((await visitor.request('POST', '/visit')).json, { views: 1, userId: null });
  });

  test('a session whose cookie has expired is no session, whatever Redis holds', async (t) => {
    const { device, store, storage, idOf } = await setup(t, { app: { maxAgeMs: 60_000 } });
    const laptop = device();
    await laptop.request('POST', '/login', { user: 'alice' });
    const stored = (await storage.read('alice', idOf(laptop))) as SessionData;
    // The cookie says it expired a second ago; the storage still has the session for a minute.
    t.true(await storage.update('alice', idOf(laptop), { ...stored, cookie: { ...stored.cookie, expires: new Date(Date.now() - 1_000) } }));
    t.is(await store.get(sidOf(laptop)), null);
    t.is((await laptop.request('GET', '/me')).status, 401);
  });
}
