import test from 'ava';
import type { SessionData } from 'express-session';
import { jsonCodec, UserSessionStore } from '../../../src/adapters/express-session/index.js';
import { UserSessionRedisStorage } from '../../../src/index.js';
import { aclRules } from '../../helpers/least-privilege.js';
import { TestRedis } from '../../helpers/redis-server.js';
import { CookieClient, sidOfSignedCookie } from '../../helpers/cookie-client.js';
import { startSessionApp } from './session-app.js';

// The store's scripts call only what the storage's documented ACL rules allow, on keys under `<prefix>:{`.
test('a user with exactly the storage ACL rules runs every store path, and nothing is denied', async (t) => {
  const server = await TestRedis.start();
  t.teardown(() => server.stop());
  const admin = await server.client();
  await admin.call('ACL', 'SETUSER', 'sessions', 'reset', 'on', '>secret', ...aclRules('sess', 'off'));
  await admin.call('ACL', 'LOG', 'RESET');
  const client = await server.client({ username: 'sessions', password: 'secret' });
  const storage = await UserSessionRedisStorage.create<unknown>({ client, keyspaceEvents: 'off', codec: jsonCodec() });
  t.teardown(() => storage.close());
  const store = new UserSessionStore({ storage, subject: (session: SessionData) => session.userId });
  const app = await startSessionApp({ store, storage, maxAgeMs: 60_000 });
  t.teardown(() => app.close());

  const laptop = new CookieClient(app.base);
  const phone = new CookieClient(app.base);
  await laptop.request('POST', '/visit'); // anonymous: set, get (slide)
  await laptop.request('POST', '/visit');
  await laptop.request('POST', '/login-in-place', { user: 'alice' }); // anonymous to logged in, same id
  t.is((await laptop.request('GET', '/me')).status, 200); // get (read and slide), touch skipped
  await phone.request('POST', '/login', { user: 'alice' }); // regenerate: claim, insert
  const sid = sidOfSignedCookie(phone.cookie('sid')!);
  const session = (await store.get(sid))!;
  await store.touch(sid, { ...session, cookie: { ...session.cookie, originalMaxAge: 120_000 } }); // not seen: touch and a new slide ttl
  await store.set(sid, { ...session, views: 3 }); // not seen: peek, update, touch
  await laptop.request('POST', '/forget-user'); // pointer to anonymous
  await storage.deleteAll('alice');
  t.is((await phone.request('GET', '/me')).status, 401); // a dangling pointer: the storage's readAndTouch asked
  await laptop.request('POST', '/logout'); // destroy
  t.deepEqual(await admin.call('ACL', 'LOG'), []);
});
