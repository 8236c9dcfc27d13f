import type { Redis } from 'ioredis';
import { msgpackCodec, UserSessionRedisStorage, type Codec } from '../../../src/index.js';
import type { Dataset } from '../dataset.js';
import { TTL_SECONDS, type SessionStore } from './session-store.js';

/** This library, with its defaults (msgpack-lite unless `--codec` says otherwise, keyspace events configured). */
export async function libraryStore(client: Redis, prefix: string, data: Dataset, codec: Codec<unknown> = msgpackCodec()): Promise<SessionStore> {
  const storage = await UserSessionRedisStorage.create<unknown>({ client, keyPrefix: prefix, codec });
  return {
    name: 'storage',
    insert: (i) => storage.insert(data.subjectOf(i), data.sessionId(i), data.metadata(i), TTL_SECONDS),
    read: (i) => storage.read(data.subjectOf(i), data.sessionId(i)),
    readAll: (s) => storage.readAll(data.subject(s)),
    touch: (i) => storage.touch(data.subjectOf(i), data.sessionId(i), TTL_SECONDS),
    update: (i, version) => storage.update(data.subjectOf(i), data.sessionId(i), data.metadata(i, version)),
    delete: (i) => storage.delete(data.subjectOf(i), data.sessionId(i)),
    deleteAll: (s) => storage.deleteAll(data.subject(s)),
    count: (s) => storage.count(data.subject(s)),
    readAndTouch: (i, slide) =>
      storage.readAndTouch(data.subjectOf(i), data.sessionId(i), TTL_SECONDS, { minRemainingSeconds: slide ? 0 : TTL_SECONDS / 2 }),
    // Twice the TTL: the successor always outlives the index's expiry (PEXPIREAT GT answers 1), so the
    // server-cost floor (floors.ts) makes the same calls.
    rotate: (i) => storage.rotate(data.subjectOf(i), data.sessionId(i), `${data.sessionId(i)}-rotated`, 2 * TTL_SECONDS),
    deleteOthers: (s) => storage.deleteOthers(data.subject(s), data.sessionId(s * data.perSubject)),
    close: () => storage.close(),
  };
}
