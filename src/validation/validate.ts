import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';

/** Longest subject or session id, in UTF-8 bytes (not UTF-16 units); longer ones get `INVALID_ARGUMENT`. */
export const MAX_ID_BYTES = 1024;
/** Longest key prefix, in UTF-8 bytes. */
export const MAX_PREFIX_BYTES = 256;
/** Longest TTL in seconds (about 68 years), so that millisecond timestamps stay exact in Lua's doubles; longer ones get `INVALID_ARGUMENT`. */
export const MAX_TTL_SECONDS = 2 ** 31 - 1;

function invalid(message: string): UserSessionStorageError {
  return new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, message);
}

/**
 * Strings become Redis keys as UTF-8. A lone UTF-16 surrogate has no UTF-8
 * form (Node writes U+FFFD), so two different ids would share one key:
 * such strings are rejected rather than silently merged.
 */
function assertKeyString(name: string, value: unknown, maxBytes: number): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalid(`${name} must be a non-empty string; got ${describe(value)}`);
  }
  if (!value.isWellFormed()) {
    throw invalid(`${name} contains a lone UTF-16 surrogate, which has no UTF-8 form; pass well-formed text`);
  }
  // Byte length, not `.length`: Redis counts bytes, UTF-16 units undercount.
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxBytes) {
    throw invalid(`${name} is ${bytes} UTF-8 bytes; at most ${maxBytes} are allowed`);
  }
}

export function assertSubject(subject: unknown): asserts subject is string {
  assertKeyString('subject', subject, MAX_ID_BYTES);
}

export function assertSessionId(sessionId: unknown): asserts sessionId is string {
  assertKeyString('sessionId', sessionId, MAX_ID_BYTES);
}

export function assertKeyPrefix(prefix: unknown): asserts prefix is string {
  assertKeyString('keyPrefix', prefix, MAX_PREFIX_BYTES);
  // '{' and '}' would move the hash tag that keeps a subject's keys in one slot.
  if (/[{}]/.test(prefix)) {
    throw invalid(`keyPrefix must not contain '{' or '}' (they would change the Redis hash tag); got ${JSON.stringify(prefix)}`);
  }
}

export function assertTtlSeconds(ttl: unknown): asserts ttl is number {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
    throw invalid(`ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}; got ${describe(ttl)}`);
  }
}

export function assertPositiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`${name} must be a whole number from 1 to ${max}; got ${describe(value)}`);
  }
}

export function assertOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw invalid(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return typeof value;
}
