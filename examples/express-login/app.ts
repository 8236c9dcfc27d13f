import express, { type NextFunction, type Request, type Response } from 'express';
import type { DefaultMetaData, UserSessionRedisStorage } from 'user-session-redis-storage';
import { newSessionId, requireSession, tokenOf, type AuthenticatedSession } from './auth.js';
import { sessionMetadataOf } from './session-metadata.js';
import { checkPassword } from './users.js';

export interface AppOptions {
  storage: UserSessionRedisStorage<DefaultMetaData>;
  /** Idle timeout: a session ends after this many seconds without a request. */
  ttlSeconds: number;
  /** Express's "trust proxy" setting, so that req.ip is the client's address behind a proxy. */
  trustProxy?: boolean | string | number;
}

/** The login service: every route is a few lines around one storage call. */
export function createApp({ storage, ttlSeconds, trustProxy = false }: AppOptions): express.Express {
  const app = express();
  app.set('trust proxy', trustProxy);
  app.use(express.json({ limit: '10kb' }));
  const authenticated = requireSession(storage, ttlSeconds);
  const current = (res: Response): AuthenticatedSession => res.locals.session as AuthenticatedSession;

  app.post('/login', async (req, res) => {
    const { username, password, location } = (req.body ?? {}) as Record<string, unknown>;
    if (!checkPassword(username, password)) {
      res.status(401).json({ error: 'wrong username or password' });
      return;
    }
    const sessionId = newSessionId();
    // With onLimit 'evict-oldest', a login past the limit ends the session that would expire first.
    await storage.insert(username, sessionId, sessionMetadataOf(req, location), ttlSeconds);
    res.status(201).json({ token: tokenOf(username, sessionId), sessionId, expiresInSeconds: ttlSeconds });
  });

  app.get('/me', authenticated, (_req, res) => {
    const { subject, sessionId, metaData } = current(res);
    res.json({ subject, sessionId, session: metaData });
  });

  app.get('/sessions', authenticated, async (_req, res) => {
    const { subject, sessionId } = current(res);
    const sessions = await storage.readAll(subject);
    res.json({
      sessions: [...sessions].map(([id, metaData]) => ({ sessionId: id, current: id === sessionId, ...metaData })),
    });
  });

  app.delete('/sessions/:id', authenticated, async (req, res) => {
    const ended = await storage.delete(current(res).subject, String(req.params.id));
    if (ended) res.status(204).end();
    else res.status(404).json({ error: 'no such session of yours (already ended?)' });
  });

  app.post('/logout', authenticated, async (_req, res) => {
    const { subject, sessionId } = current(res);
    await storage.delete(subject, sessionId);
    res.status(204).end();
  });

  app.post('/logout-all', authenticated, async (_req, res) => {
    const ended = await storage.deleteAll(current(res).subject);
    res.json({ ended });
  });

  // Express 5 passes rejected promises of async handlers here.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    console.error('request failed:', error);
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}
