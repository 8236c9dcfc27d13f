import { Redis } from 'ioredis';
import { UserSessionRedisStorage, type DefaultMetaData } from 'user-session-redis-storage';
import { createApp } from './app.js';

/** Configuration from the environment, with defaults for a local try-out. */
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const ttlSeconds = Number(process.env.SESSION_TTL_SECONDS ?? 1800);
const sessionLimit = Number(process.env.SESSION_LIMIT ?? 3);

const client = new Redis(redisUrl);
const storage = await UserSessionRedisStorage.create<DefaultMetaData>({
  client,
  keyPrefix: process.env.SESSION_PREFIX ?? 'sess',
  concurrentSessions: sessionLimit,
  onLimit: 'evict-oldest',
  // The default, spelled out: a replayed (already rotated) token ends every session rotated from the same login.
  onReuse: 'revoke-family',
});
// Session ids are hashes of the tokens' secrets: safe to log.
for (const reason of ['expired', 'evicted', 'deleted', 'rotated'] as const) {
  storage.on(reason, ({ subject, sessionId }) => console.log(`session ${reason}: ${subject} ${sessionId}`));
}
storage.on('reused', ({ subject, sessionId }) =>
  console.log(`session reused: ${subject} ${sessionId}, a token already rotated was presented again (stolen?): its family is revoked`),
);
storage.on('error', (error) => console.error('session storage:', error.message));

const server = createApp({ storage, ttlSeconds }).listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  console.log(
    `express-login listening on http://${host}:${bound} (Redis ${redisUrl}, ${sessionLimit} sessions per user, ${ttlSeconds} s idle timeout)`,
  );
});

async function shutdown(): Promise<void> {
  server.close();
  await storage.close();
  await client.quit();
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
