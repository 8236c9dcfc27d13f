/**
 * The cookie fields of a session that decide its lifetime: express-session's
 * and @fastify/session's Cookie both have them (a string `expires` once read
 * back from JSON).
 */
export interface SessionCookie {
  expires?: Date | string | null;
  originalMaxAge?: number | null;
}

/** A session as both frameworks hand it to a store: its data, with its cookie. */
export interface SessionLike {
  cookie?: SessionCookie | null;
}

function expiryMs(cookie: SessionCookie | null | undefined): number | undefined {
  const expires = cookie?.expires;
  if (expires === undefined || expires === null) return undefined;
  const ms = expires instanceof Date ? expires.getTime() : Date.parse(expires);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * How long the store keeps the session, in whole seconds, as connect-redis
 * counts it: until the cookie expires, or `defaultTtl` for a cookie without
 * expiry (a browser-session cookie). 0 or less: the cookie has expired.
 */
export function storeTtlSeconds(session: SessionLike, defaultTtl: number, now = Date.now()): number {
  const expires = expiryMs(session.cookie);
  return expires === undefined ? defaultTtl : Math.ceil((expires - now) / 1000);
}

/**
 * What each request slides the session by, in whole seconds: the cookie's
 * maxAge (express-session and @fastify/session reset `expires` to now +
 * maxAge at every request), `defaultTtl` for a browser-session cookie, and 0
 * for a cookie with a fixed `expires` and no maxAge, which no request moves.
 */
export function slideTtlSeconds(session: SessionLike, defaultTtl: number): number {
  const maxAge = session.cookie?.originalMaxAge;
  if (typeof maxAge === 'number' && maxAge > 0) return Math.ceil(maxAge / 1000);
  return expiryMs(session.cookie) === undefined ? defaultTtl : 0;
}

/** Whether the session's cookie has expired: such a session is no session, whatever Redis still holds. */
export function cookieExpired(session: SessionLike, now = Date.now()): boolean {
  const expires = expiryMs(session.cookie);
  return expires !== undefined && expires <= now;
}
