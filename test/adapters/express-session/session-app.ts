import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { UserSessionStore } from '../../../src/adapters/express-session/index.js';
import { UserSessionStorageError, type UserSessionRedisStorage } from '../../../src/index.js';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    views?: number;
  }
}

export interface SessionAppOptions {
  store: UserSessionStore;
  storage: UserSessionRedisStorage<unknown>;
  /** The cookie's maxAge in ms; undefined: a browser-session cookie. */
  maxAgeMs?: number;
  rolling?: boolean;
}

/**
 * The smallest express-session application with a login: what the store
 * suite drives over HTTP, as a browser would. Routes answer JSON.
 */
export async function startSessionApp({
  store,
  storage,
  maxAgeMs,
  rolling = false,
}: SessionAppOptions): Promise<{ base: string; close(): Promise<void> }> {
  const app = express();
  app.use(express.json());
  app.use(
    session({
      store,
      name: 'sid',
      secret: 'a test secret that signs the cookie',
      resave: false,
      saveUninitialized: false,
      rolling,
      cookie: { maxAge: maxAgeMs, sameSite: 'lax', httpOnly: true },
    }),
  );
  app.post('/visit', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views, userId: req.session.userId ?? null });
  });
  app.get('/me', (req, res) => {
    if (!req.session.userId) res.status(401).json({ error: 'not logged in' });
    else res.json({ userId: req.session.userId, views: req.session.views ?? 0, sessionId: store.sessionIdOf(req.sessionID) });
  });
  // regenerate first (session fixation), then the user, then save: the documented login.
  app.post('/login', (req, res, next) => {
    const { user } = req.body as { user: string };
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.userId = user;
      req.session.save((saveError) => (saveError ? next(saveError) : res.json({ sessionId: store.sessionIdOf(req.sessionID) })));
    });
  });
  // Logging in on the same session id, without regenerate: what a careless application does.
  app.post('/login-in-place', (req, res) => {
    req.session.userId = (req.body as { user: string }).user;
    res.json({ sessionId: store.sessionIdOf(req.sessionID) });
  });
  app.post('/forget-user', (req, res) => {
    delete req.session.userId;
    res.json({});
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.status(204).end()));
  });
  app.post('/logout-everywhere', async (req, res) => {
    if (!req.session.userId) {
      res.status(401).end();
      return;
    }
    res.json({ ended: await storage.deleteAll(req.session.userId) });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof UserSessionStorageError) res.status(error.code === 'TOO_MANY_CONCURRENT_SESSIONS' ? 429 : 500).json({ code: error.code });
    else res.status(500).json({ error: String(error) });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
