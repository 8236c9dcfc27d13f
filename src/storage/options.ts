import type { Redis } from 'ioredis';
import type { Codec } from '../codec/codec.js';
import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import type { KeyspaceEventsMode } from '../subscriber/keyspace-events-config.js';
import { assertKeyPrefix, assertOneOf, assertPositiveInteger, MAX_TTL_SECONDS } from '../validation/validate.js';

export type OnLimit = 'reject' | 'evict-oldest';

/** Options of {@link UserSessionRedisStorage.create}. */
export interface UserSessionStorageOptions<MetaData> {
  /** An ioredis client, owned by the caller: `close()` leaves it open. */
  client: Redis;
  /** Prefix of every key; storages with different prefixes never see each other. Default 'sess'. No '{' or '}'. */
  keyPrefix?: string;
  /** Most live sessions a subject may have. Default: no limit. */
  concurrentSessions?: number;
  /** What `insert` does at the limit: 'reject' (default) or 'evict-oldest' (ends the live session that expires first). */
  onLimit?: OnLimit;
  /** Metadata codec. Default: MessagePack (msgpack-lite). */
  codec?: Codec<MetaData>;
  /** 'configure' (default), 'verify' or 'off'; see the README's "Keyspace events". */
  keyspaceEvents?: KeyspaceEventsMode;
  /**
   * How long a subject's index outlives its longest session, in seconds, so
   * a late notification still finds its entry. Default 60.
   */
  indexGraceSeconds?: number;
}

export interface ResolvedOptions {
  keyPrefix: string;
  concurrentSessions: number;
  onLimit: OnLimit;
  keyspaceEvents: KeyspaceEventsMode;
  indexGraceMs: number;
}

/** Validates every option before anything is sent to Redis. */
export function resolveOptions<MetaData>(options: UserSessionStorageOptions<MetaData>): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'create() takes an options object with at least { client }');
  }
  const { client } = options;
  if (client === null || typeof client !== 'object' || typeof (client as Redis).call !== 'function' || typeof (client as Redis).duplicate !== 'function') {
    throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'options.client must be an ioredis Redis client');
  }
  if (client.options?.keyPrefix) {
    throw new UserSessionStorageError(
      ErrorCode.INVALID_ARGUMENT,
      "the client has an ioredis keyPrefix, which would rename the storage's keys behind its back; use a client without keyPrefix and the storage's keyPrefix option",
    );
  }
  const keyPrefix = options.keyPrefix ?? 'sess';
  assertKeyPrefix(keyPrefix);
  if (options.concurrentSessions !== undefined) assertPositiveInteger('concurrentSessions', options.concurrentSessions, 1_000_000);
  const onLimit = options.onLimit ?? 'reject';
  assertOneOf('onLimit', onLimit, ['reject', 'evict-oldest'] as const);
  const keyspaceEvents = options.keyspaceEvents ?? 'configure';
  assertOneOf('keyspaceEvents', keyspaceEvents, ['configure', 'verify', 'off'] as const);
  const graceSeconds = options.indexGraceSeconds ?? 60;
  assertPositiveInteger('indexGraceSeconds', graceSeconds, MAX_TTL_SECONDS);
  if (options.codec !== undefined && (typeof options.codec?.encode !== 'function' || typeof options.codec?.decode !== 'function')) {
    throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'options.codec must have encode(metaData): Buffer and decode(bytes: Buffer)');
  }
  return {
    keyPrefix,
    concurrentSessions: options.concurrentSessions ?? 0,
    onLimit,
    keyspaceEvents,
    indexGraceMs: graceSeconds * 1000,
  };
}
