/** The `code` of every {@link UserSessionStorageError}. */
export const ErrorCode = {
  /** An argument was rejected before anything was sent to Redis. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** `insert` of a (subject, sessionId) that has a live session; that session was left untouched. */
  SESSION_ALREADY_EXISTS: 'SESSION_ALREADY_EXISTS',
  /** `insert` refused by `onLimit: 'reject'`: the subject already has `concurrentSessions` live sessions. */
  TOO_MANY_CONCURRENT_SESSIONS: 'TOO_MANY_CONCURRENT_SESSIONS',
  /** The server does not publish the keyspace events the subscriber needs (expired, evicted, del on the keyevent channels: flags `Egxe`). */
  KEYSPACE_EVENTS_DISABLED: 'KEYSPACE_EVENTS_DISABLED',
  /** A stored value carries another codec's format tag, or the codec could not decode it. */
  VALUE_FORMAT_MISMATCH: 'VALUE_FORMAT_MISMATCH',
  /** The storage was closed with `close()`. */
  STORAGE_CLOSED: 'STORAGE_CLOSED',
  /** Redis (or the connection to it) failed; see `cause`. */
  REDIS_ERROR: 'REDIS_ERROR',
} as const;

/** One of the {@link ErrorCode} values: the type of {@link UserSessionStorageError.code}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
