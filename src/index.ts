export {
  UserSessionRedisStorage,
  type SessionEndedEvent,
  type ReadAndTouchOptions,
  type ReadAllOptions,
  type ListedSession,
  type TouchedSession,
} from './storage/user-session-redis-storage.js';
export type { UserSessionStorageEvents, UserSessionStorageEventName, UserSessionStorageListener } from './storage/storage-events.js';
export {
  DEFAULT_CONCURRENT_SESSIONS,
  MAX_CONCURRENT_SESSIONS,
  MAX_DEFAULT_REUSE_DETECTION_SECONDS,
  type UserSessionStorageOptions,
  type OnLimit,
  type OnReuse,
} from './storage/options.js';
export type { IoredisClient } from './storage/options.js';
export { UserSessionStorageError, ErrorCode } from './errors/index.js';
export type { Codec } from './codec/codec.js';
export { msgpackCodec } from './codec/msgpack-codec.js';
export type { DefaultMetaData } from './metadata.js';
export type { KeyspaceEventsMode } from './subscriber/keyspace-events-config.js';
export type { EndReason } from './scripts/result-codes.js';
export { MAX_ID_BYTES, MAX_TTL_SECONDS } from './validation/validate.js';
export {
  diagnosticsChannels,
  type ScriptLoadMessage,
  type TopologyMessage,
  type SubscriberMessage,
  type RedirectRetryMessage,
  type BackgroundErrorMessage,
} from './observability/diagnostics.js';
export { createSessionToken, parseSessionToken, sessionIdOfSecret, type SessionToken, type ParsedSessionToken } from './tokens/session-token.js';
export { operationChannels, type OperationName, type OperationMessage } from './observability/operation-metrics.js';
