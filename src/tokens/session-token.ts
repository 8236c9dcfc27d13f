import { createHash, randomBytes } from 'node:crypto';
import { MAX_ID_BYTES } from '../validation/validate.js';

/** Bytes of randomness in a token's secret: 256 bits, as OWASP asks of session ids (at least 64) with room to spare. */
const SECRET_BYTES = 32;
/** base64url length of {@link SECRET_BYTES} bytes, without padding. */
const SECRET_CHARS = 43;
/** Longest token parseSessionToken looks at: base64url of the longest subject, a dot, the secret. */
const MAX_TOKEN_CHARS = Math.ceil((MAX_ID_BYTES * 4) / 3) + 1 + SECRET_CHARS;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** What {@link createSessionToken} returns. */
export interface SessionToken {
  /** The bearer secret for the client (cookie, Authorization header): `base64url(subject).secret`. Never store it. */
  token: string;
  /** The id to use with the storage: a one-way hash of the token's secret, safe to store, list and show. */
  sessionId: string;
}

/** What {@link parseSessionToken} returns for a well-formed token. */
export interface ParsedSessionToken {
  /** The subject the token was created for. */
  subject: string;
  /** The storage's id of the session: the hash of the token's secret. */
  sessionId: string;
}

/**
 * The storage's session id for a bearer secret: SHA-256 of the secret,
 * base64url. One-way, so a session id read from Redis, a log, the CLI or
 * `readAll` cannot be turned back into a working token; and, for a secret of
 * 256 random bits, not guessable either. Use it directly to key sessions by an
 * opaque token your system already issues (hash the whole token).
 */
export function sessionIdOfSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/**
 * A new session's bearer token and its storage id. The token carries the
 * subject (so a request names its user without a lookup) and a secret of
 * 256 bits from `crypto.randomBytes`; the storage only ever sees the
 * secret's hash ({@link sessionIdOfSecret}).
 *
 * @param subject - The user, as given to the storage (non-empty, well-formed, at most {@link MAX_ID_BYTES} UTF-8 bytes).
 * @throws TypeError for a subject the storage would refuse (so no token is made that can never work).
 */
export function createSessionToken(subject: string): SessionToken {
  if (typeof subject !== 'string' || subject.length === 0 || !subject.isWellFormed() || Buffer.byteLength(subject, 'utf8') > MAX_ID_BYTES) {
    throw new TypeError(`subject must be a non-empty well-formed string of at most ${MAX_ID_BYTES} UTF-8 bytes`);
  }
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: `${Buffer.from(subject, 'utf8').toString('base64url')}.${secret}`, sessionId: sessionIdOfSecret(secret) };
}

/**
 * The subject and storage id of a token made by {@link createSessionToken},
 * or `undefined` for anything else: wrong type, shape, length or alphabet,
 * a subject that is not well-formed UTF-8. Never throws, whatever the input
 * (it is what a client sends).
 */
export function parseSessionToken(token: unknown): ParsedSessionToken | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return undefined;
  const encodedSubject = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (secret.length !== SECRET_CHARS || !BASE64URL.test(secret) || !BASE64URL.test(encodedSubject)) return undefined;
  const subjectBytes = Buffer.from(encodedSubject, 'base64url');
  // Canonical encodings only: one token per (subject, secret), and no bytes
  // the decoder silently dropped.
  if (subjectBytes.toString('base64url') !== encodedSubject) return undefined;
  if (Buffer.from(secret, 'base64url').toString('base64url') !== secret) return undefined;
  const subject = subjectBytes.toString('utf8');
  // Invalid UTF-8 decodes to U+FFFD, which encodes back to other bytes.
  if (subject.length === 0 || !Buffer.from(subject, 'utf8').equals(subjectBytes) || subjectBytes.length > MAX_ID_BYTES) return undefined;
  return { subject, sessionId: sessionIdOfSecret(secret) };
}
