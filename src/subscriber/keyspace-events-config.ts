import { ReplyError, type Redis } from 'ioredis';
import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';

/**
 * How the storage treats the server's notify-keyspace-events setting, which
 * must include `K`, `x` and `e` for expired and evicted sessions to be
 * reported promptly. Applied at `create` and again after every reconnect (a
 * restarted server has forgotten a CONFIG SET).
 *
 * - `'configure'` (default): adds the missing flags with CONFIG SET, keeping
 *   the others; if CONFIG is refused, behaves as `'verify'`.
 * - `'verify'`: `create` throws `KEYSPACE_EVENTS_DISABLED` when flags are missing.
 * - `'off'`: no subscriber connection and no events for expiry or eviction
 *   until an operation prunes the session; correctness is unchanged.
 *   Each expiry costs one cleanup call per subscribed instance, so instances
 *   that need no events can save that.
 */
export type KeyspaceEventsMode = 'configure' | 'verify' | 'off';

/**
 * The subscriber needs keyspace channels ('K') for expired ('x') and
 * evicted ('e') events; 'A' is the alias that includes both x and e.
 */
export function missingFlags(current: string): string {
  const all = current.includes('A');
  return [current.includes('K') ? '' : 'K', all || current.includes('x') ? '' : 'x', all || current.includes('e') ? '' : 'e'].join('');
}

/**
 * Only a reply from Redis (NOPERM, unknown or renamed command) is a refusal;
 * a timeout or a dropped connection says nothing about the setting and is
 * passed on as it is (the storage reports it as REDIS_ERROR).
 */
function isRefusal(error: unknown): boolean {
  return error instanceof ReplyError;
}

/**
 * Makes sure the server publishes the events the subscriber needs. Runs on
 * every (re)connect: a restarted server has forgotten an earlier CONFIG SET.
 * 'configure' adds only the missing flags, keeping the ones other
 * applications rely on, and falls back to 'verify' when CONFIG SET is refused.
 */
export async function ensureKeyspaceEvents(connection: Pick<Redis, 'config'>, mode: 'configure' | 'verify'): Promise<void> {
  let current: string;
  try {
    const reply = await connection.config('GET', 'notify-keyspace-events');
    current = reply[1] ?? '';
  } catch (cause) {
    if (!isRefusal(cause)) throw cause;
    throw new UserSessionStorageError(
      ErrorCode.KEYSPACE_EVENTS_DISABLED,
      "cannot read notify-keyspace-events (CONFIG GET refused); allow 'config|get' to this user, or create the storage with keyspaceEvents: 'off'",
      { cause },
    );
  }
  const missing = missingFlags(current);
  if (!missing) return;
  if (mode === 'configure') {
    try {
      await connection.config('SET', 'notify-keyspace-events', current + missing);
      return;
    } catch (cause) {
      if (!isRefusal(cause)) throw cause;
      // Refused (ACL, managed Redis): report below exactly as 'verify' would.
    }
  }
  throw new UserSessionStorageError(
    ErrorCode.KEYSPACE_EVENTS_DISABLED,
    `the server's notify-keyspace-events is "${current}" and lacks "${missing}": set it to include "Kxe" ` +
      `(redis.conf or CONFIG SET notify-keyspace-events ${current + missing}), or create the storage with keyspaceEvents: 'off'`,
  );
}
