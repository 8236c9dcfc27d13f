import type { NextFunction, Request, Response } from 'express';
import {
  createSessionToken,
  parseSessionToken,
  type DefaultMetaData,
  type ParsedSessionToken,
  type SessionToken,
  type UserSessionRedisStorage,
} from 'user-session-redis-storage';

type Storage = UserSessionRedisStorage<DefaultMetaData>;

/** What the auth middleware puts in res.locals for the handlers after it. */
export interface AuthenticatedSession {
  subject: string;
  /** The storage's id: the hash of the token's secret, safe to list, log and show. */
  sessionId: string;
  metaData: DefaultMetaData;
  /** When the session expires, in milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * The token a request presents as `Authorization: Bearer <token>`, made by
 * createSessionToken: `base64url(subject).secret`. The client holds the
 * secret; the storage only ever sees its SHA-256 (the session id), so no id
 * read from Redis or from GET /sessions is a working token.
 */
export function presentedToken(req: Request): ParsedSessionToken | undefined {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
  return match ? parseSessionToken(match[1]) : undefined;
}

export function rejectWithoutToken(res: Response): void {
  res.status(401).json({ error: 'log in first: send Authorization: Bearer <token from POST /login>' });
}

export function rejectEnded(res: Response): void {
  res.status(401).json({ error: 'this session has ended (logged out, revoked, replaced or expired): log in again' });
}

/**
 * How long a session must still have left for a request not to slide its
 * expiry: the expiry moves at most once a minute (or a tenth of a short
 * TTL), so a busy user costs one write a minute instead of one per request,
 * and the idle timeout is between TTL minus that minute and TTL.
 */
export function minRemainingSeconds(ttlSeconds: number): number {
  return ttlSeconds - Math.min(60, Math.floor(ttlSeconds / 10));
}

/**
 * Lets a request through only with a live session, and slides its expiry:
 * one readAndTouch, one round trip. A token that was already rotated is a
 * replay: the storage answers "no session", emits 'reused' and revokes the
 * token's family (onReuse), so the thief and the victim both log in again.
 */
export function requireSession(storage: Storage, ttlSeconds: number) {
  const options = { minRemainingSeconds: minRemainingSeconds(ttlSeconds) };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = presentedToken(req);
    if (!token) return rejectWithoutToken(res);
    const session = await storage.readAndTouch(token.subject, token.sessionId, ttlSeconds, options);
    if (!session) return rejectEnded(res);
    res.locals.session = { ...token, ...session } satisfies AuthenticatedSession;
    next();
  };
}

/**
 * The session of a successful login, with a new id in every case. A client
 * that still holds a live token of the same user has it rotated instead of
 * getting a second session: whatever token the device held before the
 * password was checked (one an attacker planted, one that leaked) stops
 * working at login (session fixation), and re-logins do not pile up sessions.
 * A token of another user is ended: one device, one session.
 */
export async function startSession(
  storage: Storage,
  presented: ParsedSessionToken | undefined,
  subject: string,
  metaData: DefaultMetaData,
  ttlSeconds: number,
): Promise<SessionToken> {
  const issued = createSessionToken(subject);
  if (presented?.subject === subject) {
    // false: not live (expired, or a rotated token: then a reuse, and its family is revoked). The password was right: start afresh.
    if (await storage.rotate(subject, presented.sessionId, issued.sessionId, ttlSeconds, metaData)) return issued;
  } else if (presented) {
    await storage.delete(presented.subject, presented.sessionId);
  }
  // With onLimit 'evict-oldest', a login past the limit ends the session that would expire first.
  await storage.insert(subject, issued.sessionId, metaData, ttlSeconds);
  return issued;
}
