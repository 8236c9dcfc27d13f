/**
 * What the application keeps in a session, in both frameworks: the user
 * once logged in, the CSRF token, and what "your devices" shows of it. The
 * store saves it as JSON; `storage.readAll(userId)` returns it.
 */
export interface CookieLoginSession {
  userId?: string;
  csrfToken?: string;
  /** "Firefox 140 on Linux". */
  device?: string;
  ip?: string;
  /** ms since the epoch. */
  signedInAt?: number;
  /** ms since the epoch, updated at most once a minute (each update is a save). */
  lastSeenAt?: number;
}

/** How often a request records "last seen": more often would write the session at every request. */
export const LAST_SEEN_EVERY_MS = 60_000;

/** The fields a login writes into the new session (after regenerate). */
export function loggedIn(userId: string, device: string, ip: string | undefined, csrfToken: string): CookieLoginSession {
  const now = Date.now();
  return { userId, csrfToken, device, ip, signedInAt: now, lastSeenAt: now };
}

/** The security headers of every page: no framing, no scripts, forms post only here. */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;
