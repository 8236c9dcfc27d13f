import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { UserSessionRedisStorage } from 'user-session-redis-storage';
import { jsonCodec, UserSessionStore } from 'user-session-redis-storage/express-session';
import { startRedisServer } from '../../scripts/lib/redis-server.js';
import { createExpressApp, type CookieLoginOptions } from './express-app.js';
import { createFastifyApp } from './fastify-app.js';
import type { CookieLoginSession } from './session-data.js';

/** Configuration from the environment, with defaults for a local try-out. */
const framework = process.env.FRAMEWORK ?? 'express';
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const ttlSeconds = Number(process.env.SESSION_TTL_SECONDS ?? 1800);
const sessionLimit = Number(process.env.SESSION_LIMIT ?? 3);
if (framework !== 'express' && framework !== 'fastify') throw new Error(`FRAMEWORK must be express or fastify; got ${framework}`);

// A Redis of its own (the system's redis-server on a free port) unless REDIS_URL names one.
const embedded = process.env.REDIS_URL ? undefined : await startRedisServer(['--save', '', '--appendonly', 'no']);
const redisUrl = process.env.REDIS_URL ?? `redis://${embedded!.host}:${embedded!.port}`;

const client = new Redis(redisUrl);
const storage = await UserSessionRedisStorage.create<CookieLoginSession>({
  client,
  keyPrefix: process.env.SESSION_PREFIX ?? 'web',
  codec: jsonCodec(),
  concurrentSessions: sessionLimit,
  onLimit: 'evict-oldest', // a login past the limit logs out the device that would expire first
});
for (const reason of ['expired', 'evicted', 'deleted', 'reused'] as const) {
  storage.on(reason, ({ subject, sessionId }) => console.log(`session ${reason}: ${subject} ${sessionId}`));
}
storage.on('error', (error) => console.error('session storage:', error.message));
const store = new UserSessionStore({ storage, subject: (session: CookieLoginSession) => session.userId });

const options: CookieLoginOptions = {
  storage,
  store,
  // A restart with a new secret logs everyone out: set COOKIE_SECRET in production.
  cookieSecret: process.env.COOKIE_SECRET ?? randomBytes(32).toString('base64url'),
  ttlSeconds,
  secureCookies: process.env.SECURE_COOKIES === '1',
};

let close: () => Promise<unknown>;
let address: AddressInfo;
if (framework === 'express') {
  const server = createExpressApp(options).listen(port, host);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  address = server.address() as AddressInfo;
  close = () => new Promise((resolve) => server.close(resolve));
} else {
  const app = await createFastifyApp(options);
  await app.listen({ port, host });
  address = app.server.address() as AddressInfo;
  close = () => app.close();
}
console.log(
  `express-cookie-login (${framework}) listening on http://${host}:${address.port} ` +
    `(Redis ${embedded ? 'embedded, ' : ''}${redisUrl}, ${sessionLimit} sessions per user, ${ttlSeconds} s idle timeout)`,
);

async function shutdown(): Promise<void> {
  await close();
  await storage.close();
  await client.quit();
  await embedded?.server.stop();
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
