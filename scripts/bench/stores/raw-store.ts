import type { Redis } from 'ioredis';
import { msgpackCodec, type Codec } from '../../../src/index.js';
import type { Dataset } from '../dataset.js';
import { TTL_SECONDS, unsupported, type SessionStore } from './session-store.js';

/**
 * The floor: one plain SET ... PX or GET of the same encoded value per
 * session, no index, no atomicity. Encoding and decoding are included, as
 * any store of this metadata has to pay them.
 */
export function rawStore(client: Redis, prefix: string, data: Dataset, codec: Codec<unknown> = msgpackCodec()): SessionStore {
  const key = (i: number): string => `${prefix}:${data.subjectOf(i)}:${data.sessionId(i)}`;
  return {
    name: 'raw SET/GET',
    insert: (i) => client.set(key(i), codec.encode(data.metadata(i)), 'PX', TTL_SECONDS * 1000),
    read: async (i) => {
      const value = await client.getBuffer(key(i));
      return value ? codec.decode(value) : undefined;
    },
    readAll: () => unsupported('raw', 'readAll'),
    touch: () => unsupported('raw', 'touch'),
    update: () => unsupported('raw', 'update'),
    delete: async (i) => (await client.del(key(i))) === 1,
    deleteAll: () => unsupported('raw', 'deleteAll'),
    count: () => unsupported('raw', 'count'),
    close: async () => {},
  };
}
