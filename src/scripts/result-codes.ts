import { ErrorCode } from '../errors/error-code.js';

/**
 * The numbers the Lua scripts and the TypeScript side exchange, named once,
 * with the error each result code means. `npm run build:lua` writes them
 * into lua/includes/result-codes.lua as Lua locals of the same names, so
 * neither side can drift from the other.
 */

/**
 * A script's negative result: why nothing (or only pruning) happened. Each
 * but NEED_KEYS is an error: see {@link errorOfResultCode}.
 */
export const ResultCode = {
  /** insert: a live session with this (subject, sessionId) exists; nothing was written. */
  SESSION_ALREADY_EXISTS: -1,
  /** insert at the limit with onLimit 'reject'; only stale entries were pruned. */
  TOO_MANY_CONCURRENT_SESSIONS: -2,
  /**
   * Not an error: on Redis Cluster the script must see value keys the call
   * did not declare, and nothing was written; the caller sends it again with
   * them (src/operations/declared-keys.ts, lua/includes/declared-keys.lua).
   */
  NEED_KEYS: -3,
} as const;

/** One of the {@link ResultCode} values. */
export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

/**
 * Why a session ended, and the name of the event that reports it:
 * `'expired'` (its TTL ran out), `'evicted'` (its value vanished before its
 * expiry: maxmemory eviction or a DEL from outside), `'deleted'` (ended by
 * `delete`, `deleteAll`, `deleteOthers`, `onLimit: 'evict-oldest'` or a
 * reuse's revocation), `'rotated'` (`rotate` replaced it by its successor).
 */
export type EndReason = 'expired' | 'evicted' | 'deleted' | 'rotated';

/**
 * How scripts write each {@link EndReason} in the (reason, sessionId) pairs
 * of ended sessions they reply; in Lua `ENDED_EXPIRED`, `ENDED_EVICTED`,
 * `ENDED_DELETED`, `ENDED_ROTATED`.
 */
export const EndReasonCode = { expired: 1, evicted: 2, deleted: 3, rotated: 4 } as const satisfies Record<EndReason, number>;

/**
 * In the same pairs, not an ended session but a rotated id presented again
 * (the `'reused'` event); in Lua `REPORTED_REUSED`.
 */
export const REUSED_CODE = 5;

/**
 * The error each result code but NEED_KEYS means, as the caller gets it.
 * Typed by the codes: a code added to {@link ResultCode} does not compile
 * until it is given its error here.
 */
export const errorOfResultCode: Record<Exclude<ResultCode, typeof ResultCode.NEED_KEYS>, { code: ErrorCode; message: string }> = {
  [ResultCode.SESSION_ALREADY_EXISTS]: {
    code: ErrorCode.SESSION_ALREADY_EXISTS,
    message:
      'a live session with this subject and sessionId exists and was left untouched; use a fresh sessionId, or update()/touch() the existing one',
  },
  [ResultCode.TOO_MANY_CONCURRENT_SESSIONS]: {
    code: ErrorCode.TOO_MANY_CONCURRENT_SESSIONS,
    message:
      "the subject has reached its concurrentSessions limit; end one of its sessions first, or create the storage with onLimit: 'evict-oldest'",
  },
};
