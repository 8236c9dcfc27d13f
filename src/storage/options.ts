import type { Codec } from '../codec/codec.js';
import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import type { KeyspaceEventsMode } from '../subscriber/keyspace-events-config.js';
import { assertKeyPrefix, assertOneOf, assertPositiveInteger, MAX_TTL_SECONDS } from '../validation/validate.js';

/**
 * What `insert` does when the subject already has `concurrentSessions` live
 * sessions: `'reject'` throws `TOO_MANY_CONCURRENT_SESSIONS` and writes
 * nothing; `'evict-oldest'` ends the live session that would expire first
 * (reported as `'deleted'`) and inserts, in one atomic step.
 */
export type OnLimit = 'reject' | 'evict-oldest';

/**
 * What happens, besides the `'reused'` event, when a rotated session id is
 * presented again (a replayed, probably stolen, token): `'revoke-family'`
 * ends every live session descended by rotation from the same first
 * session; `'revoke-subject'` ends every session of the subject; `'report'`
 * ends nothing. Sessions ended are reported as `'deleted'`.
 */
export type OnReuse = 'revoke-family' | 'revoke-subject' | 'report';

/**
 * An ioredis `Redis` or `Cluster` client, of ioredis 5 (>= 5.2.5) or 6,
 * described by the members the storage checks rather than by one copy's
 * classes: a client of the application's ioredis fits whichever major it
 * is, and whichever copy these declarations were resolved against.
 * `create()` still rejects anything else with `INVALID_ARGUMENT`.
 */
export interface IoredisClient {
  /** ioredis's own flag: `true` on a `Cluster`, `false` on a `Redis`. */
  readonly isCluster: boolean;
  /** The client's options; the storage duplicates the client with them. */
  readonly options: object;
  /** ioredis's `duplicate()`: the storage opens its own connections with it. */
  duplicate(...args: never[]): unknown;
  /** ioredis's `call()`. */
  call(...args: never[]): unknown;
  /** ioredis's `sendCommand()`. */
  sendCommand(...args: never[]): unknown;
}

/**
 * Options of {@link UserSessionRedisStorage.create}. Every option is
 * validated before anything is sent to Redis; a bad one makes `create`
 * throw `INVALID_ARGUMENT`.
 */
export interface UserSessionStorageOptions<MetaData> {
  /**
   * An ioredis `Redis` or `Cluster` client (ioredis 5 or 6; see
   * {@link IoredisClient}), owned by the caller: `close()`
   * leaves it open. It must not have ioredis's own `keyPrefix` option. The
   * storage sends its commands on a duplicate of it that never re-sends a
   * command (a Cluster client of its own on a cluster), and the subscriber
   * uses another (one per master on a cluster). Its options (timeouts,
   * TLS, credentials) carry over; `commandTimeout` then fails a call whose
   * reply is late as `REDIS_ERROR` and resets the storage's connection.
   */
  client: IoredisClient;
  /**
   * Prefix of every key. Storages with different prefixes never see each
   * other's sessions. Default `'sess'`; up to 256 UTF-8 bytes, without `{`
   * or `}` (they would move the Redis hash tag).
   */
  keyPrefix?: string;
  /**
   * Most live sessions a subject may have, enforced atomically by `insert`.
   * Default {@link DEFAULT_CONCURRENT_SESSIONS}, at most
   * {@link MAX_CONCURRENT_SESSIONS}: the calls that look at every session of
   * a subject (`readAll`, `count`, `deleteAll`, an `insert` at the limit) block
   * Redis for a time that grows with it (see README, "Cost per call").
   */
  concurrentSessions?: number;
  /** What `insert` does at the limit; see {@link OnLimit}. Default `'reject'`. */
  onLimit?: OnLimit;
  /** How metadata becomes bytes; see {@link Codec}. Default: {@link msgpackCodec}. */
  codec?: Codec<MetaData>;
  /** How the server's notify-keyspace-events setting is handled; see {@link KeyspaceEventsMode}. Default `'configure'`. */
  keyspaceEvents?: KeyspaceEventsMode;
  /**
   * How long a rotated id is remembered, so that presenting it again is
   * detected as a reuse (`'reused'` event, and {@link OnReuse}). Default:
   * the time the rotated session had left, at most
   * {@link MAX_DEFAULT_REUSE_DETECTION_SECONDS}. `0` turns reuse detection
   * off (then a retried rotation answers `false`). Each remembered id costs
   * one small key until it expires.
   */
  reuseDetectionSeconds?: number;
  /**
   * What a reuse of an id this storage rotates revokes; see {@link OnReuse}.
   * Default `'revoke-family'`. Recorded with the rotated id: a reuse met by
   * another instance applies the policy of the instance that rotated.
   */
  onReuse?: OnReuse;
  /**
   * How long a subject's index outlives its longest session, in seconds, so
   * a late notification still finds its entry. Default 60.
   */
  indexGraceSeconds?: number;
}

/**
 * The default `concurrentSessions`: a cap that keeps one subject's size, and
 * so the time a subject-wide call blocks Redis, bounded even when an
 * account can log in without end.
 */
export const DEFAULT_CONCURRENT_SESSIONS = 1000;
/** The largest `concurrentSessions` accepted. */
export const MAX_CONCURRENT_SESSIONS = 100_000;
/**
 * The longest a rotated id is remembered by default (7 days): a bound on
 * the markers an often-rotated session leaves (one per rotation).
 */
export const MAX_DEFAULT_REUSE_DETECTION_SECONDS = 7 * 24 * 3600;

export interface ResolvedOptions {
  keyPrefix: string;
  concurrentSessions: number;
  onLimit: OnLimit;
  keyspaceEvents: KeyspaceEventsMode;
  indexGraceMs: number;
  /** Reuse-detection window: -1 what the rotated session had left (capped), 0 off. */
  reuseWindowMs: number;
  onReuse: OnReuse;
}

/** Validates every option before anything is sent to Redis. */
export function resolveOptions<MetaData>(options: UserSessionStorageOptions<MetaData>): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'create() takes an options object with at least { client }');
  }
  const { client } = options;
  if (client === null || typeof client !== 'object' || typeof client.call !== 'function' || typeof client.duplicate !== 'function') {
    throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'options.client must be an ioredis Redis or Cluster client');
  }
  if ((client.options as { keyPrefix?: unknown } | undefined)?.keyPrefix) {
    throw new UserSessionStorageError(
      ErrorCode.INVALID_ARGUMENT,
      "the client has an ioredis keyPrefix, which would rename the storage's keys behind its back; use a client without keyPrefix and the storage's keyPrefix option",
    );
  }
  const keyPrefix = options.keyPrefix ?? 'sess';
  assertKeyPrefix(keyPrefix);
  if (options.concurrentSessions !== undefined) assertPositiveInteger('concurrentSessions', options.concurrentSessions, MAX_CONCURRENT_SESSIONS);
  const onLimit = options.onLimit ?? 'reject';
  assertOneOf('onLimit', onLimit, ['reject', 'evict-oldest'] as const);
  const keyspaceEvents = options.keyspaceEvents ?? 'configure';
  assertOneOf('keyspaceEvents', keyspaceEvents, ['configure', 'verify', 'off'] as const);
  const reuseSeconds = options.reuseDetectionSeconds;
  if (reuseSeconds !== undefined && reuseSeconds !== 0) assertPositiveInteger('reuseDetectionSeconds', reuseSeconds, MAX_TTL_SECONDS);
  const onReuse = options.onReuse ?? 'revoke-family';
  assertOneOf('onReuse', onReuse, ['revoke-family', 'revoke-subject', 'report'] as const);
  const graceSeconds = options.indexGraceSeconds ?? 60;
  assertPositiveInteger('indexGraceSeconds', graceSeconds, MAX_TTL_SECONDS);
  if (options.codec !== undefined && (typeof options.codec?.encode !== 'function' || typeof options.codec?.decode !== 'function')) {
    throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'options.codec must have encode(metaData): Buffer and decode(bytes: Buffer)');
  }
  return {
    keyPrefix,
    concurrentSessions: options.concurrentSessions ?? DEFAULT_CONCURRENT_SESSIONS,
    onLimit,
    keyspaceEvents,
    indexGraceMs: graceSeconds * 1000,
    reuseWindowMs: reuseSeconds === undefined ? -1 : reuseSeconds * 1000,
    onReuse,
  };
}
