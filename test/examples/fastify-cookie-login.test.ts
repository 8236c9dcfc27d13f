import type { AddressInfo } from 'node:net';
import test from 'ava';
import type { FastifyInstance } from 'fastify';
import { createFastifyApp } from '../../examples/express-cookie-login/fastify-app.js';
import type { CookieLoginSession } from '../../examples/express-cookie-login/session-data.js';
import { jsonCodec, UserSessionStore } from '../../src/adapters/express-session/index.js';
import { UserSessionRedisStorage } from '../../src/index.js';
import { CookieClient, type Answer } from '../helpers/cookie-client.js';
import { TestRedis } from '../helpers/redis-server.js';

/**
 * The cookie login example's Fastify variant (@fastify/session on the same
 * store), driven over HTTP with one cookie jar per device: the browser
 * test's flow, plus the limit with evict-oldest. Serial: the tests share
 * the demo users.
 */
let redis: TestRedis;
let storage: UserSessionRedisStorage<CookieLoginSession>;
let app: FastifyInstance;
let base: string;

test.before(async () => {
  redis = await TestRedis.start();
  storage = await UserSessionRedisStorage.create<CookieLoginSession>({
    client: await redis.client(),
    keyPrefix: 'web',
    codec: jsonCodec(),
    concurrentSessions: 3,
    onLimit: 'evict-oldest',
  });
  const store = new UserSessionStore({ storage, subject: (session: CookieLoginSession) => session.userId });
  app = await createFastifyApp({ storage, store, cookieSecret: 'a cookie secret of at least thirty-two characters', ttlSeconds: 600 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

test.after.always(async () => {
  await app?.close();
  await storage?.close();
  await redis?.stop();
});

const csrfOf = (page: Answer): string => /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
const rowsOf = (page: Answer): string[] => [...page.text.matchAll(/<tr class="[^"]*" data-session-id="([^"]+)"/g)].map((m) => m[1]!);

async function signIn(username: string, password: string): Promise<CookieClient> {
  const device = new CookieClient(base);
  const form = await device.request('GET', '/login');
  const login = await device.postForm('/login', { _csrf: csrfOf(form), username, password });
  if (login.status !== 303 || login.location !== '/devices') throw new Error(`login failed: ${login.status} ${login.text}`);
  return device;
}

test.serial('two devices: the devices page lists both; "log out other devices" sends the other one to the login form', async (t) => {
  await storage.deleteAll('alice');
  const laptop = await signIn('alice', 'wonderland');
  const phone = await signIn('alice', 'wonderland');
  const devices = await laptop.request('GET', '/devices');
  t.is(devices.status, 200);
  t.is(rowsOf(devices).length, 2);
  t.regex(devices.text, /this device/);
  t.deepEqual([...(await storage.readAll('alice')).keys()].sort(), rowsOf(devices).sort());

  const ended = await laptop.postForm('/logout-others', { _csrf: csrfOf(devices) });
  t.deepEqual({ status: ended.status, location: ended.location }, { status: 303, location: '/devices?ended=1' });
  t.is(rowsOf(await laptop.request('GET', '/devices')).length, 1);
  const gone = await phone.request('GET', '/devices');
  t.deepEqual({ status: gone.status, location: gone.location }, { status: 303, location: '/login' });
  t.is(await storage.count('alice'), 1);
});

test.serial('a form post without the CSRF token is refused and changes nothing; log out this device and everywhere', async (t) => {
  const laptop = await signIn('bob', 'builder');
  const phone = await signIn('bob', 'builder');
  t.is((await laptop.postForm('/logout-everywhere', {})).status, 403);
  t.is((await laptop.postForm('/logout-everywhere', { _csrf: 'not-the-token' })).status, 403);
  t.is(await storage.count('bob'), 2);

  const tablet = await signIn('bob', 'builder');
  const logout = await tablet.postForm('/logout', { _csrf: csrfOf(await tablet.request('GET', '/devices')) });
  t.deepEqual({ status: logout.status, location: logout.location }, { status: 303, location: '/login' });
  t.is(await storage.count('bob'), 2);

  const everywhere = await phone.postForm('/logout-everywhere', { _csrf: csrfOf(await phone.request('GET', '/devices')) });
  t.is(everywhere.location, '/login');
  t.is(await storage.count('bob'), 0);
  t.is((await laptop.request('GET', '/devices')).location, '/login');
});

test('a wrong password gets the form again, 401, and stores no session', async (t) => {
  const before = await storage.count('alice');
  const visitor = new CookieClient(base);
  const refused = await visitor.postForm('/login', { _csrf: csrfOf(await visitor.request('GET', '/login')), username: 'alice', password: 'guess' });
  t.is(refused.status, 401);
  t.regex(refused.text, /Wrong username or password/);
  t.is(await storage.count('alice'), before);
});

test.serial('the limit with evict-oldest: a fourth login logs out the oldest device, whose next request lands on the login form', async (t) => {
  await storage.deleteAll('alice');
  const devices = [];
  for (let i = 0; i < 4; i++) devices.push(await signIn('alice', 'wonderland'));
  t.is(await storage.count('alice'), 3);
  t.is((await devices[0]!.request('GET', '/devices')).location, '/login');
  for (const d of devices.slice(1)) t.is((await d.request('GET', '/devices')).status, 200);
});
