import { unexpectedReply } from '../scripts/reply.js';
import { defineOperation, type Operation, type SubjectInput } from './operation.js';
import { pairsResult } from './results.js';

/**
 * Reads every live session of a subject (lua/read-all-1.lua): sessionId →
 * metadata. Variadic: on a cluster, the value keys of the subject's
 * sessions follow the index key. Generic in the metadata type, so it is
 * made per call.
 */
export function readAll<MetaData>(): Operation<SubjectInput, ReadonlyMap<string, MetaData>, MetaData> {
  return defineOperation({
    script: 'readAll',
    keys: { fixed: 1, variadic: true },
    encode: ({ subject }: SubjectInput, { keys, declaresKeys }) => ({ keys: [keys.indexKey(subject)], args: [declaresKeys ? '1' : '0', '0'] }),
    decode: (result, { format }) => new Map(pairsResult(result).map(([sessionId, value]) => [sessionId, format.decode(value)])),
  });
}

/** A live session as `readAll(subject, { withExpiry: true })` returns it. */
export interface ListedSession<MetaData> {
  /** The session's metadata. */
  metaData: MetaData;
  /** When the session expires, in milliseconds since the epoch, by the Redis server's clock. */
  expiresAt: number;
}

/** As {@link readAll}, with each session's expiry: the "your devices" page in one call. */
export function readAllWithExpiry<MetaData>(): Operation<SubjectInput, ReadonlyMap<string, ListedSession<MetaData>>, MetaData> {
  return defineOperation({
    script: 'readAll',
    keys: { fixed: 1, variadic: true },
    encode: ({ subject }: SubjectInput, { keys, declaresKeys }) => ({ keys: [keys.indexKey(subject)], args: [declaresKeys ? '1' : '0', '1'] }),
    decode: (result, { format }) => {
      if (!Array.isArray(result) || result.length % 3 !== 0) throw unexpectedReply('script result', result);
      const sessions = new Map<string, ListedSession<MetaData>>();
      for (let i = 0; i < result.length; i += 3) {
        const [id, value, expiresAt] = [result[i], result[i + 1], result[i + 2]] as unknown[];
        if (!Buffer.isBuffer(id) || !Buffer.isBuffer(value) || typeof expiresAt !== 'number') throw unexpectedReply('script result', result);
        sessions.set(id.toString(), { metaData: format.decode(value), expiresAt });
      }
      return sessions;
    },
  });
}
