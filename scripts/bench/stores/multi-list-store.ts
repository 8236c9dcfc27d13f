import type { Redis } from 'ioredis';
import { msgpackCodec, type Codec } from '../../../src/index.js';
import type { Dataset } from '../dataset.js';
import { TTL_SECONDS, type SessionStore } from './session-store.js';

/**
 * Reference implementation of the well-known design this project replaces:
 * a key per session plus a per-subject LIST of session ids, written with
 * MULTI. Kept faithful, flaws included (the index is never pruned on
 * expiry, subjects with ':' collide, a failed SET NX still pushes the id).
 */
export function multiListStore(client: Redis, prefix: string, data: Dataset, codec: Codec<unknown> = msgpackCodec()): SessionStore {
  const indexKey = (subject: string): string => `${prefix}:${subject}`;
  const valueKey = (subject: string, id: string): string => `${prefix}:${subject}:${id}`;
  const keyOf = (i: number): string => valueKey(data.subjectOf(i), data.sessionId(i));
  const decode = (value: Buffer | null): unknown => (value ? codec.decode(value) : undefined);

  return {
    name: 'MULTI+LIST reference',
    insert: (i) =>
      client
        .multi()
        .set(keyOf(i), codec.encode(data.metadata(i)), 'EX', TTL_SECONDS, 'NX')
        .lpush(indexKey(data.subjectOf(i)), data.sessionId(i))
        .exec(),
    read: async (i) => decode(await client.getBuffer(keyOf(i))),
    readAll: async (s) => {
      const subject = data.subject(s);
      const ids = await client.lrange(indexKey(subject), 0, -1);
      const sessions = new Map<string, unknown>();
      if (ids.length === 0) return sessions;
      const values = await client.mgetBuffer(...ids.map((id) => valueKey(subject, id)));
      ids.forEach((id, k) => {
        if (values[k]) sessions.set(id, decode(values[k]));
      });
      return sessions;
    },
    touch: async (i) => (await client.expire(keyOf(i), TTL_SECONDS)) === 1,
    update: async (i, version) => (await client.set(keyOf(i), codec.encode(data.metadata(i, version)), 'KEEPTTL', 'XX')) === 'OK',
    delete: async (i) => {
      const replies = await client
        .multi()
        .del(keyOf(i))
        .lrem(indexKey(data.subjectOf(i)), 0, data.sessionId(i))
        .exec();
      return replies?.[0]?.[1] === 1;
    },
    deleteAll: async (s) => {
      const subject = data.subject(s);
      const ids = await client.lrange(indexKey(subject), 0, -1);
      if (ids.length === 0) return 0;
      // One DEL for the values and the list: its reply counts the list too.
      return (await client.del(...ids.map((id) => valueKey(subject, id)), indexKey(subject))) - 1;
    },
    count: async (s) => client.llen(indexKey(data.subject(s))),
    close: async () => {},
  };
}
