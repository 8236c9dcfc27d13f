import { unexpectedReply } from '../scripts/reply.js';
import { defineOperation, type Operation } from './operation.js';
import type { SessionInput } from './session-input.js';

/** What `readAndTouch` sets. */
export interface ReadAndTouchInput extends SessionInput {
  ttlSeconds: number;
  /** 0: always slide. */
  minRemainingSeconds: number;
}

/** A live session as `readAndTouch` returns it. */
export interface TouchedSession<MetaData> {
  /** The session's metadata. */
  metaData: MetaData;
  /** When the session expires (after this call), in milliseconds since the epoch, by the Redis server's clock. */
  expiresAt: number;
}

/**
 * Reads a live session and slides its expiry (lua/read-and-touch-2.lua):
 * `undefined` when there is no live session. Generic in the metadata type,
 * so it is made per call.
 */
export function readAndTouch<MetaData>(): Operation<ReadAndTouchInput, TouchedSession<MetaData> | undefined, MetaData> {
  return defineOperation({
    script: 'readAndTouch',
    keys: { fixed: 2, variadic: true },
    encode: ({ subject, sessionId, ttlSeconds, minRemainingSeconds }: ReadAndTouchInput, { keys, settings, declaresKeys }) => ({
      keys: keys.presentedKeys(subject, sessionId, declaresKeys),
      args: [sessionId, String(ttlSeconds * 1000), String(minRemainingSeconds * 1000), String(settings.indexGraceMs)],
    }),
    decode: (result, { format }) => {
      // Lua false: RESP2 nil, RESP3 null or false.
      if (result === null || result === undefined || result === false) return undefined;
      // One string, as the script packs it: the value, the expiry's digits, their count (one byte).
      const digits = Buffer.isBuffer(result) && result.length > 0 ? result[result.length - 1]! : 0;
      const expiresAt = digits > 0 ? Number((result as Buffer).subarray(-1 - digits, -1).toString('latin1')) : NaN;
      if (!Number.isSafeInteger(expiresAt)) throw unexpectedReply('script result', result);
      return { metaData: format.decode((result as Buffer).subarray(0, -1 - digits)), expiresAt };
    },
  });
}
