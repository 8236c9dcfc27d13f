import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Codec } from '../../codec/codec.js';
import type { SessionEndedEvent } from '../../storage/user-session-redis-storage.js';
import { UserSessionRedisStorage } from '../../storage/user-session-redis-storage.js';
import type { EndReason } from '../../scripts/result-codes.js';
import type { Target } from '../connection.js';

export interface EndedSession extends SessionEndedEvent {
  reason: EndReason;
}

/**
 * Runs `work` with a storage on the operator's connection (a Cluster client
 * on a cluster: each call goes to its subject's master), and returns the
 * sessions its operations ended or pruned, as the storage reported them.
 * keyspaceEvents 'off': a one-shot command needs no subscriber and must not
 * change the server's notify-keyspace-events.
 */
export async function withStorage<T>(
  { target, prefix, codec }: { target: Target; prefix: string; codec?: Codec<unknown> | undefined },
  work: (storage: UserSessionRedisStorage) => Promise<T>,
): Promise<{ result: T; ended: EndedSession[] }> {
  const storage = await UserSessionRedisStorage.create({
    client: target.client,
    keyPrefix: prefix,
    keyspaceEvents: 'off',
    ...(codec ? { codec } : {}),
  });
  const ended: EndedSession[] = [];
  for (const reason of ['expired', 'evicted', 'deleted'] as const) {
    storage.on(reason, (e) => ended.push({ ...e, reason }));
  }
  try {
    const result = await work(storage);
    // The storage emits after each call settles; one turn of the event loop delivers them all.
    await nextTurn();
    return { result, ended };
  } finally {
    await storage.close();
  }
}
