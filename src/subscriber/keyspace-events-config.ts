import { ReplyError, type Redis } from 'ioredis';
import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';

/**
 * How the storage treats the server's notify-keyspace-events setting, which
 * must include `E`, `g`, `x` and `e` for sessions that expire, are evicted or
 * are deleted from outside to be reported promptly. Applied at `create` and
 * again after every reconnect (a restarted server has forgotten a CONFIG SET).
 *
 * - `'configure'` (default): reads the setting with CONFIG GET and adds the
 *   missing flags with CONFIG SET, keeping the others. If CONFIG GET is
 *   refused (ACL, managed Redis), it verifies as `'verify'` does; if only
 *   CONFIG SET is refused, `create` throws `KEYSPACE_EVENTS_DISABLED` when
 *   flags are missing.
 * - `'verify'`: sends no CONFIG command. It writes two probe keys of this
 *   storage's prefix that no session can have, and waits for their
 *   `expired` and `del` notifications; `create` throws
 *   `KEYSPACE_EVENTS_DISABLED` when they do not arrive. `e` cannot be
 *   probed: it is the operator's to set (the CLI's `check` reports it).
 * - `'off'`: no subscriber connection and no events for expiry, eviction or
 *   outside deletes until an operation prunes the session; correctness is
 *   unchanged. Each expiry, eviction or delete of ANY key of the database
 *   costs one message per subscribed instance (dropped at once unless it is
 *   a session's value, which costs one cleanup call), so instances that need
 *   no events can save that. Inserts and touches cost none: their `expire`
 *   events go to a keyevent channel nobody subscribes to.
 */
export type KeyspaceEventsMode = 'configure' | 'verify' | 'off';

/**
 * Every flag the subscriber needs: keyevent channels, generic (del),
 * expired, evicted. Not `K`: the subscriber listens on no keyspace channel
 * (see keyeventChannels); 'configure' never removes it if it is set.
 */
export const REQUIRED_FLAGS = 'Egxe';

/**
 * The flags of {@link REQUIRED_FLAGS} that `current` lacks, in that order.
 * 'A' is the alias that includes g, x and e (but not E).
 */
export function missingFlags(current: string): string {
  const all = current.includes('A');
  return [...REQUIRED_FLAGS].filter((flag) => !current.includes(flag) && !(all && flag !== 'E')).join('');
}

/**
 * Only a reply from Redis (NOPERM, unknown or renamed command) is a refusal;
 * a timeout or a dropped connection says nothing about the setting and is
 * passed on as it is (the storage reports it as REDIS_ERROR).
 */
function isRefusal(error: unknown): boolean {
  return error instanceof ReplyError;
}

/** KEYSPACE_EVENTS_DISABLED, with what to do about it after `why`. */
export function keyspaceEventsDisabled(why: string, cause?: unknown): UserSessionStorageError {
  return new UserSessionStorageError(
    ErrorCode.KEYSPACE_EVENTS_DISABLED,
    `${why}: set notify-keyspace-events to include "${REQUIRED_FLAGS}" (redis.conf, CONFIG SET, or the managed service's ` +
      "parameters), or create the storage with keyspaceEvents: 'off'",
    cause === undefined ? undefined : { cause },
  );
}

/**
 * 'configure': makes sure the server publishes every flag the subscriber
 * needs, adding only the missing ones so that flags other applications rely
 * on stay. Resolves true when CONFIG showed (or set) them all, false when
 * CONFIG GET was refused (managed Redis, ACL): the caller must then verify
 * delivery itself, with the probe. Runs on every (re)connect: a restarted
 * server has forgotten an earlier CONFIG SET.
 */
export async function configureKeyspaceEvents(connection: Pick<Redis, 'config'>): Promise<boolean> {
  let current: string;
  try {
    const reply = await connection.config('GET', 'notify-keyspace-events');
    current = reply[1] ?? '';
  } catch (cause) {
    if (!isRefusal(cause)) throw cause;
    return false;
  }
  const missing = missingFlags(current);
  if (!missing) return true;
  try {
    await connection.config('SET', 'notify-keyspace-events', current + missing);
    return true;
  } catch (cause) {
    if (!isRefusal(cause)) throw cause;
    // CONFIG GET is allowed and shows the flags missing: no probe can do better.
    throw keyspaceEventsDisabled(`the server's notify-keyspace-events is "${current}" and lacks "${missing}", and CONFIG SET was refused`, cause);
  }
}
