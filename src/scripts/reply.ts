import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import { EndReasonCode, errorOfResultCode, ResultCode, REUSED_CODE, type EndReason } from './result-codes.js';

/** A session a script ended, and why; or (`'reused'`) a rotated id it was given. */
export interface EndedSession {
  reason: EndReason | 'reused';
  sessionId: string;
}

/**
 * A script replies { result, ended }: its own result and the sessions it
 * ended; or, on its common path when it ended nothing, the result alone
 * (a "bare" reply, lua/includes/reply.lua: a reply table costs Redis about
 * 9k instructions). A failed operation may still have pruned stale
 * entries, so `ended` is reported even when `error` is set.
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
  /** The reply was the result alone; the operation may say what it ended (Operation.impliedEnded). */
  bare?: true;
}

const endReasonOfCode = new Map<number, EndReason | 'reused'>([
  ...Object.entries(EndReasonCode).map(([reason, code]): [number, EndReason] => [code, reason as EndReason]),
  [REUSED_CODE, 'reused'],
]);

function isErrorCode(result: number): result is keyof typeof errorOfResultCode {
  return Object.hasOwn(errorOfResultCode, result);
}

/** A reply no script of this library gives: the keys hold something else. */
export function unexpectedReply(what: string, raw: unknown): UserSessionStorageError {
  return new UserSessionStorageError(ErrorCode.REDIS_ERROR, `unexpected ${what} ${String(raw)}; is another library using this key prefix?`);
}

/** Splits a script's raw reply into its result, the sessions it ended, and the error its result code means. */
export function parseReply(raw: unknown): ScriptReply {
  // A bare result is never nil/false, nor a pair whose second element is a table (reply.lua).
  if (!Array.isArray(raw) || raw.length !== 2 || !Array.isArray(raw[1])) {
    if (raw === null || raw === undefined || raw === false || (typeof raw === 'number' && raw < 0)) throw unexpectedReply('script reply', raw);
    return { result: raw, ended: [], error: undefined, bare: true };
  }
  const [result, flat] = raw as [unknown, unknown[]];
  if (result === ResultCode.NEED_KEYS) return { result, ended: [], error: undefined, needKeys: flat.map(String) };
  const ended: EndedSession[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    ended.push({ reason: endReasonOfCode.get(Number(flat[i])) ?? 'evicted', sessionId: String(flat[i + 1]) });
  }
  let error: UserSessionStorageError | undefined;
  if (typeof result === 'number' && result < 0) {
    const { code, message } = isErrorCode(result)
      ? errorOfResultCode[result]
      : { code: ErrorCode.REDIS_ERROR, message: `unknown script reply code ${result}` };
    error = new UserSessionStorageError(code, message);
  }
  return { result, ended, error };
}
