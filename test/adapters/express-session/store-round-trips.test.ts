import test from 'ava';
import type { SessionData } from 'express-session';
import type { Redis } from 'ioredis';
import { UserSessionStore } from '../../../src/adapters/express-session/index.js';
import { UserSessionRedisStorage } from '../../../src/index.js';
import { CookieClient } from '../../helpers/cookie-client.js';
import { TestRedis } from '../../helpers/redis-server.js';
import { startSessionApp } from './session-app.js';

/** Commands the server ran, by name, from INFO commandstats. */
async function commandCounts(admin: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await admin.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

/**
 * The scripts the server ran during `work`. Commands a script calls count
 * in commandstats too, so only EVALSHA tells the calls the store sent: the
 * store sends nothing else (every adapter call is a script).
 */
async function scriptsDuring(admin: Redis, work: () => Promise<unknown>): Promise<number> {
  const before = await commandCounts(admin);
  await work();
  const after = await commandCounts(admin);
  for (const name of after.keys()) {
    if (/^eval(?!sha$)/.test(name) || name === 'fcall') throw new Error(`the store sent ${name}`);
  }
  return (after.get('evalsha') ?? 0) - (before.get('evalsha') ?? 0);
}

// One server of this file's own: INFO commandstats counts every command it runs, and nothing else runs on it.
test('on one server, a request of a logged-in session costs one script when unmodified, two when modified', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  const storage = await UserSessionRedisStorage.create<unknown>({ client: await redis.client(), keyPrefix: 'rt', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  const store = new UserSessionStore({ storage, subject: (session: SessionData) => session.userId });
  const app = await startSessionApp({ store, storage, maxAgeMs: 60_000 });
  t.teardown(() => app.close());
  const laptop = new CookieClient(app.base);
  await laptop.request('POST', '/login', { user: 'alice' });

  // get (one script, which also slides the TTL); express-session's touch then finds nothing left to write.
  t.is(await scriptsDuring(admin, () => laptop.request('GET', '/me')), 1);
  // get, then set of the modified session: the update alone, get having slid it.
  t.is(await scriptsDuring(admin, () => laptop.request('POST', '/visit')), 2);
  // An anonymous visitor: get, then its key written once.
  const visitor = new CookieClient(app.base);
  await visitor.request('POST', '/visit');
  t.is(await scriptsDuring(admin, () => visitor.request('POST', '/visit')), 2);
});
