/**
 * `user-session-redis-storage/express-session`: a session store for
 * express-session and @fastify/session on a `UserSessionRedisStorage`,
 * with the per-user index other stores lack (a user's devices, log out
 * everywhere, concurrent-session limits).
 *
 * @module
 */
export { UserSessionStore, DEFAULT_STORE_TTL_SECONDS, type UserSessionStoreOptions, type StoreCallback } from './user-session-store.js';
export { jsonCodec, JSON_FORMAT_TAG } from './json-codec.js';
