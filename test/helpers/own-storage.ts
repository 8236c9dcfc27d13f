import type { ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { UserSessionRedisStorage, type UserSessionStorageOptions } from '../../src/index.js';
import { TestRedis } from './redis-server.js';

/**
 * A storage on a redis-server of the test's own (prefix `p`, no keyspace
 * events, so only the scripts themselves prune and report), with a plain
 * client to inspect and tamper with the keys. Both stop with the test.
 */
export async function storageOnOwnServer<MetaData = unknown>(
  t: ExecutionContext,
  options: Partial<Omit<UserSessionStorageOptions<MetaData>, 'client'>> = {},
): Promise<{ client: Redis; storage: UserSessionRedisStorage<MetaData> }> {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const client = await redis.client();
  const storage = await UserSessionRedisStorage.create<MetaData>({ client, keyPrefix: 'p', keyspaceEvents: 'off', ...options });
  t.teardown(() => storage.close());
  return { client, storage };
}

/** Lets events emitted with process.nextTick after a call settles reach their listeners. */
export const afterEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
