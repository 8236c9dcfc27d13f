// The README's quick start. From a clone: `npm run quick-start` (uses REDIS_URL, default redis://127.0.0.1:6379).
// In your project, import from 'user-session-redis-storage' instead of '../src/index.js'.
import { Redis } from 'ioredis';
import { UserSessionRedisStorage, UserSessionStorageError, type DefaultMetaData } from '../src/index.js';

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const storage = await UserSessionRedisStorage.create<DefaultMetaData>({
  client,
  keyPrefix: 'quick-start',
  concurrentSessions: 2,
  onLimit: 'reject',
});
storage.on('expired', ({ subject, sessionId }) => console.log(`expired: ${subject}/${sessionId}`));
storage.on('deleted', ({ subject, sessionId }) => console.log(`deleted: ${subject}/${sessionId}`));

// Login on two devices.
await storage.insert('user:42', 'laptop', { ip: '203.0.113.7', device: { type: 'desktop', os: 'Linux' }, createdAt: Date.now() }, 3600);
await storage.insert('user:42', 'phone', { ip: '198.51.100.2', device: { type: 'mobile', os: 'Android' }, createdAt: Date.now() }, 1);

// A third device is refused: the limit is 2.
try {
  await storage.insert('user:42', 'tablet', { ip: '192.0.2.1' }, 3600);
} catch (error) {
  if (error instanceof UserSessionStorageError) console.log(`refused: ${error.code}`);
}

// Every authenticated request: read the session and slide its expiry.
console.log('laptop:', await storage.read('user:42', 'laptop'));
await storage.touch('user:42', 'laptop', 3600);

// The phone's session expires after 1 second; the subscriber reports it.
await new Promise((resolve) => setTimeout(resolve, 1500));
console.log('devices:', [...(await storage.readAll('user:42')).keys()]);

// "Log out everywhere".
console.log('ended:', await storage.deleteAll('user:42'));

await storage.close();
await client.quit();
