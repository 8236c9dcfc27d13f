import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { DefaultMetaData, UserSessionRedisStorage } from 'user-session-redis-storage';

/** What the auth middleware puts in res.locals for the handlers after it. */
export interface AuthenticatedSession {
  subject: string;
  sessionId: string;
  metaData: DefaultMetaData;
}

/**
 * The bearer token names the session: "<subject, base64url>.<sessionId>".
 * The session id is 24 random bytes, so the token cannot be guessed; the
 * subject travels with it because the storage looks sessions up by
 * (subject, sessionId).
 */
export function newSessionId(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenOf(subject: string, sessionId: string): string {
  return `${Buffer.from(subject).toString('base64url')}.${sessionId}`;
}

function parseToken(header: string | undefined): { subject: string; sessionId: string } | undefined {
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{32})$/.exec(header ?? '');
  if (!match) return undefined;
  const subject = Buffer.from(match[1]!, 'base64url').toString();
  return subject ? { subject, sessionId: match[2]! } : undefined;
}

/**
 * Lets a request through only with a live session, and slides that
 * session's expiry (touch) on every request. touch and read go out together
 * on one connection, and Redis runs them in that order: one round trip of
 * latency, and a session ended in between fails the request.
 */
export function requireSession(storage: UserSessionRedisStorage<DefaultMetaData>, ttlSeconds: number) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = parseToken(req.get('authorization'));
    if (!token) {
      res.status(401).json({ error: 'log in first: send Authorization: Bearer <token from POST /login>' });
      return;
    }
    const [touched, metaData] = await Promise.all([
      storage.touch(token.subject, token.sessionId, ttlSeconds),
      storage.read(token.subject, token.sessionId),
    ]);
    if (!touched || metaData === undefined) {
      res.status(401).json({ error: 'this session has ended (logged out, revoked or expired): log in again' });
      return;
    }
    res.locals.session = { ...token, metaData } satisfies AuthenticatedSession;
    next();
  };
}
