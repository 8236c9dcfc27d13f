import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';

// The numbers are those of lua/includes/ended.lua.
/**
 * Why a session ended, and the name of the event that reports it:
 * `'expired'` (its TTL ran out), `'evicted'` (its value vanished before its
 * expiry: maxmemory eviction or a DEL from outside), `'deleted'` (ended by
 * `delete`, `deleteAll` or `onLimit: 'evict-oldest'`).
 */
export type EndReason = 'expired' | 'evicted' | 'deleted';
const endReasons: Record<number, EndReason> = { 1: 'expired', 2: 'evicted', 3: 'deleted' };
export const EXPIRED_CODE = '1';
export const EVICTED_CODE = '2';
/** The reply code of lua/includes/declared-keys.lua: the script must be sent again with more value keys declared. */
const NEED_KEYS = -3;

export interface EndedSession {
  reason: EndReason;
  sessionId: string;
}

/**
 * Every script replies { result, ended }: its own result and the sessions it
 * ended. A failed operation may still have pruned stale entries, so `ended`
 * is reported even when `error` is set.
 */
export interface ScriptReply {
  result: unknown;
  ended: EndedSession[];
  error: UserSessionStorageError | undefined;
  /**
   * Set when the script must see value keys the call did not declare (Redis
   * Cluster): the ids whose value keys to declare. Nothing was written.
   */
  needKeys?: string[];
}

/**
 * The one place where script reply codes become errors (the negative
 * results documented in each script's header).
 */
const errorOfCode: Record<number, () => UserSessionStorageError> = {
  [-1]: () =>
    new UserSessionStorageError(
      ErrorCode.SESSION_ALREADY_EXISTS,
      'a live session with this subject and sessionId exists and was left untouched; use a fresh sessionId, or update()/touch() the existing one',
    ),
  [-2]: () =>
    new UserSessionStorageError(
      ErrorCode.TOO_MANY_CONCURRENT_SESSIONS,
      "the subject has reached its concurrentSessions limit; end one of its sessions first, or create the storage with onLimit: 'evict-oldest'",
    ),
};

export function parseReply(raw: unknown): ScriptReply {
  if (!Array.isArray(raw) || raw.length !== 2 || !Array.isArray(raw[1])) {
    throw new UserSessionStorageError(ErrorCode.REDIS_ERROR, `unexpected script reply ${String(raw)}; is another library using this key prefix?`);
  }
  const [result, flat] = raw as [unknown, unknown[]];
  if (result === NEED_KEYS) return { result, ended: [], error: undefined, needKeys: flat.map(String) };
  const ended: EndedSession[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    ended.push({ reason: endReasons[Number(flat[i])] ?? 'evicted', sessionId: String(flat[i + 1]) });
  }
  let error: UserSessionStorageError | undefined;
  if (typeof result === 'number' && result < 0) {
    const toError = errorOfCode[result];
    error = toError ? toError() : new UserSessionStorageError(ErrorCode.REDIS_ERROR, `unknown script reply code ${result}`);
  }
  return { result, ended, error };
}
