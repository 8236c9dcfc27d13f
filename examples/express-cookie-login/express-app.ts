import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { UserSessionRedisStorage } from 'user-session-redis-storage';
import type { UserSessionStore } from 'user-session-redis-storage/express-session';
import { csrfValid, newCsrfToken } from './csrf.js';
import { describeDevice } from './device.js';
import { LAST_SEEN_EVERY_MS, loggedIn, SECURITY_HEADERS, type CookieLoginSession } from './session-data.js';
import { checkPassword } from '../express-login/users.js';
import { devicesPage, forbiddenPage, loginPage } from './views.js';

declare module 'express-session' {
  // The application's session fields, typed for req.session.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface SessionData extends CookieLoginSession {}
}

/** What both the Express and the Fastify app are made of. */
export interface CookieLoginOptions {
  storage: UserSessionRedisStorage<unknown>;
  store: UserSessionStore;
  /** Signs the session cookie (at least 32 characters). */
  cookieSecret: string;
  /** Idle timeout: the cookie's maxAge, slid by every request. */
  ttlSeconds: number;
  /** Send the cookie over HTTPS only (true in production). */
  secureCookies?: boolean;
  /** Express's and Fastify's "trust proxy", so that the IP shown is the client's behind a proxy. */
  trustProxy?: boolean;
}

/**
 * The cookie login with Express and express-session: a login form, "your
 * devices", and three ways to log out. Every route is a few lines around
 * one session or storage call.
 */
export function createExpressApp(options: CookieLoginOptions): express.Express {
  const { storage, store } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));
  app.use(
    session({
      store,
      name: 'sid',
      secret: options.cookieSecret,
      resave: false, // an unmodified session is touched, not written
      saveUninitialized: false, // no session for a visitor until the login form needs its CSRF token
      rolling: true, // every response renews the cookie, as every request slides the session
      cookie: { httpOnly: true, sameSite: 'lax', secure: options.secureCookies ?? false, maxAge: options.ttlSeconds * 1000 },
    }),
  );
  // "Last seen" costs a save, so it is recorded at most once a minute.
  app.use((req, _res, next) => {
    if (req.session.userId && Date.now() - (req.session.lastSeenAt ?? 0) >= LAST_SEEN_EVERY_MS) req.session.lastSeenAt = Date.now();
    next();
  });

  const requireUser = (req: Request, res: Response, next: NextFunction): void => {
    if (req.session.userId) next();
    else res.redirect(303, '/login');
  };
  const requireCsrf = (req: Request, res: Response, next: NextFunction): void => {
    if (csrfValid(req.session.csrfToken, (req.body as Record<string, unknown> | undefined)?._csrf)) next();
    else res.status(403).send(forbiddenPage());
  };

  app.get('/', (req, res) => res.redirect(303, req.session.userId ? '/devices' : '/login'));

  app.get('/login', (req, res) => {
    if (req.session.userId) return res.redirect(303, '/devices');
    req.session.csrfToken ??= newCsrfToken();
    res.send(loginPage(req.session.csrfToken));
  });

  app.post('/login', requireCsrf, (req, res, next) => {
    const { username, password } = req.body as Record<string, unknown>;
    if (!checkPassword(username, password)) {
      res.status(401).send(loginPage(req.session.csrfToken!, 'Wrong username or password.'));
      return;
    }
    // A new session id at login (session fixation); saving it with the user puts it in the user's sessions,
    // where the limit applies (evict-oldest: the oldest device is logged out).
    req.session.regenerate((error) => {
      if (error) return next(error);
      Object.assign(req.session, loggedIn(username, describeDevice(req.get('user-agent')), req.ip, newCsrfToken()));
      req.session.save((saveError) => (saveError ? next(saveError) : res.redirect(303, '/devices')));
    });
  });

  app.get('/devices', requireUser, async (req, res) => {
    const ended = Number(req.query.ended);
    res.send(
      devicesPage({
        userId: req.session.userId!,
        currentId: store.sessionIdOf(req.sessionID),
        sessions: await storage.readAll(req.session.userId!, { withExpiry: true }),
        csrf: req.session.csrfToken!,
        notice: Number.isInteger(ended) && ended >= 0 && 'ended' in req.query ? `Logged out ${ended} other device(s).` : undefined,
      }),
    );
  });

  app.post('/logout', requireUser, requireCsrf, (req, res, next) => {
    req.session.destroy((error) => {
      if (error) return next(error);
      res.clearCookie('sid').redirect(303, '/login');
    });
  });

  app.post('/logout-others', requireUser, requireCsrf, async (req, res) => {
    const ended = await storage.deleteOthers(req.session.userId!, store.sessionIdOf(req.sessionID));
    res.redirect(303, `/devices?ended=${ended}`);
  });

  app.post('/logout-everywhere', requireUser, requireCsrf, async (req, res, next) => {
    await storage.deleteAll(req.session.userId!);
    req.session.destroy((error) => {
      if (error) return next(error);
      res.clearCookie('sid').redirect(303, '/login');
    });
  });

  // Express 5 passes rejected promises of async handlers here.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    console.error('request failed:', error);
    res.status(500).send('Something went wrong.');
  });
  return app;
}
