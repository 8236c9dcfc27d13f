import type { UserSessionStorageError } from '../errors/user-session-storage-error.js';

/**
 * Payload of the `'expired'`, `'evicted'` and `'deleted'` events: which
 * session ended. The event name says why.
 */
export interface SessionEndedEvent {
  /** The subject (user) whose session ended, exactly as given to `insert`. */
  subject: string;
  /** The ended session's id, exactly as given to `insert`. */
  sessionId: string;
}

/**
 * Every event a {@link UserSessionRedisStorage} emits, with its listener's
 * arguments: the event map its `on`, `once`, `off`, `addListener`,
 * `removeListener`, `prependListener`, `prependOnceListener` and `emit` are
 * typed by, so that `once('expired', (e) => …)` gives `e` its type and an
 * unknown event name does not compile.
 */
export interface UserSessionStorageEvents {
  /** The session's TTL ran out. */
  expired: [event: SessionEndedEvent];
  /** Its value vanished before its expiry: maxmemory eviction, or a DEL/UNLINK from outside the library. */
  evicted: [event: SessionEndedEvent];
  /**
   * `delete`, `deleteAll`, `deleteOthers`, `onLimit: 'evict-oldest'` or a
   * reuse's revocation ended it (emitted by the instance that ran the call).
   */
  deleted: [event: SessionEndedEvent];
  /** `rotate` ended it and started its successor (emitted by the instance that ran the call). */
  rotated: [event: SessionEndedEvent];
  /**
   * A rotated session id was presented again (to `read`, `touch`,
   * `readAndTouch`, `update`, `rotate` or `delete`) within the
   * reuse-detection window: a replayed token, probably stolen. The call
   * answered as for no session; what `onReuse` revokes is reported as
   * `'deleted'` right after it.
   */
  reused: [event: SessionEndedEvent];
  /** A failure in the background, which no call can report (see `on('error')`). */
  error: [error: UserSessionStorageError];
}

/** A name of {@link UserSessionStorageEvents}. */
export type UserSessionStorageEventName = keyof UserSessionStorageEvents;

/** A listener of the event `E`. */
export type UserSessionStorageListener<E extends UserSessionStorageEventName> = (...args: UserSessionStorageEvents[E]) => void;
