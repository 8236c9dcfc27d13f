import express, { type NextFunction, type Request, type Response } from 'express';
import { createSessionToken, type DefaultMetaData, type UserSessionRedisStorage } from 'user-session-redis-storage';
import { presentedToken, rejectEnded, rejectWithoutToken, requireSession, startSession, type AuthenticatedSession } from './auth.js';
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
  // The token goes to the client, the session id (its hash) is what the storage and every listing know.
  const issue = (res: Response, status: number, { token, sessionId }: { token: string; sessionId: string }): void => {
    res.status(status).json({ token, sessionId, expiresInSeconds: ttlSeconds });
  };

  app.post('/login', async (req, res) => {
    const { username, password, location } = (req.body ?? {}) as Record<string, unknown>;
    if (!checkPassword(username, password)) {
      res.status(401).json({ error: 'wrong username or password' });
      return;
    }
    issue(res, 201, await startSession(storage, presentedToken(req), username, sessionMetadataOf(req, location), ttlSeconds));
  });

  // Refresh-token rotation: the presented token ends and a new one takes its place (same metadata, same device).
  // Presenting the old token again afterwards is a reuse: the storage revokes the new one too.
  app.post('/refresh', async (req, res) => {
    const presented = presentedToken(req);
    if (!presented) return rejectWithoutToken(res);
    const issued = createSessionToken(presented.subject);
    if (!(await storage.rotate(presented.subject, presented.sessionId, issued.sessionId, ttlSeconds))) return rejectEnded(res);
    issue(res, 200, issued);
  });

  app.get('/me', authenticated, (_req, res) => {
    const { subject, sessionId, metaData, expiresAt } = current(res);
    res.json({ subject, sessionId, expiresAt, session: metaData });
  });

  app.get('/sessions', authenticated, async (_req, res) => {
    const { subject, sessionId } = current(res);
    const sessions = await storage.readAll(subject, { withExpiry: true });
    res.json({
      sessions: [...sessions].map(([id, { metaData, expiresAt }]) => ({ sessionId: id, current: id === sessionId, ...metaData, expiresAt })),
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

  app.post('/logout-others', authenticated, async (_req, res) => {
    const { subject, sessionId } = current(res);
    res.json({ ended: await storage.deleteOthers(subject, sessionId) });
  });

  app.post('/logout-all', authenticated, async (_req, res) => {
    res.json({ ended: await storage.deleteAll(current(res).subject) });
  });

  // Express 5 passes rejected promises of async handlers here.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    console.error('request failed:', error);
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}
