import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { jsonCodec, UserSessionStore } from '../../../src/adapters/express-session/index.js';
import { UserSessionRedisStorage } from '../../../src/index.js';

/** The store calls express-session makes, promise-style (both stores return a promise without a callback). */
export interface SessionStoreCalls {
  get(sid: string): Promise<SessionData | null | undefined>;
  set(sid: string, session: SessionData): Promise<unknown>;
  touch(sid: string, session: SessionData): Promise<unknown>;
  destroy(sid: string): Promise<unknown>;
}

export type ContestantName = 'connect-redis' | 'this adapter';

/** A store under test, on its own client, with everything it needs to close. */
export interface Contestant {
  name: ContestantName;
  store: SessionStoreCalls;
  close(): Promise<void>;
}

/**
 * connect-redis (its current major) as its README sets it up: node-redis
 * (`redis`), which it requires, one connection, JSON, the default prefix
 * under a per-run one.
 */
export async function connectRedis(url: string, prefix: string, _touchAfterSeconds = 0): Promise<Contestant> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const store = new RedisStore({ client, prefix: `${prefix}:` });
  return {
    name: 'connect-redis',
    store: store as unknown as SessionStoreCalls,
    close: async () => void (await client.close()),
  };
}

/**
 * This library's express-session store, as its README sets it up: an
 * ioredis client, a storage with the JSON codec and otherwise the default
 * settings (keyspace events configured, as a user gets them), the store on it.
 */
export async function adapter(url: string, prefix: string, touchAfterSeconds = 0): Promise<Contestant> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  const storage = await UserSessionRedisStorage.create<unknown>({ client, keyPrefix: prefix, codec: jsonCodec() });
  const store = new UserSessionStore({ storage, subject: (session: SessionData & { userId?: string }) => session.userId, touchAfterSeconds });
  return {
    name: 'this adapter',
    store: store as unknown as SessionStoreCalls,
    close: async () => {
      await storage.close();
      client.disconnect();
    },
  };
}
