import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A per-session CSRF token (the synchronizer token pattern): every form
 * carries it in a hidden field, every POST must send it back. SameSite=Lax
 * cookies already keep other sites' forms from sending the session cookie;
 * the token also covers same-site pages (another app on a sibling
 * subdomain) and browsers without SameSite.
 */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether the form sent the session's token (compared in constant time). */
export function csrfValid(expected: unknown, sent: unknown): boolean {
  if (typeof expected !== 'string' || typeof sent !== 'string' || expected.length !== sent.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(sent));
}
