import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { csrfValid, newCsrfToken } from './csrf.js';
import { describeDevice } from './device.js';
import type { CookieLoginOptions } from './express-app.js';
import { LAST_SEEN_EVERY_MS, loggedIn, SECURITY_HEADERS, type CookieLoginSession } from './session-data.js';
import { checkPassword } from '../express-login/users.js';
import { devicesPage, forbiddenPage, loginPage } from './views.js';

declare module 'fastify' {
  // The application's session fields, typed for request.session.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Session extends CookieLoginSession {}
}

/**
 * The same cookie login with Fastify and @fastify/session, on the same
 * store: the same pages, routes and session fields as createExpressApp.
 */
export async function createFastifyApp(options: CookieLoginOptions): Promise<FastifyInstance> {
  const { storage, store } = options;
  const app = Fastify({ trustProxy: options.trustProxy ?? false });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifySession, {
    store,
    cookieName: 'sid',
    secret: options.cookieSecret,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secureCookies ?? false, maxAge: options.ttlSeconds * 1000 },
  });
  app.addHook('onRequest', async (_request, reply) => {
    void reply.headers(SECURITY_HEADERS);
  });
  // "Last seen" costs a save, so it is recorded at most once a minute.
  app.addHook('preHandler', async (request) => {
    if (request.session.userId && Date.now() - (request.session.lastSeenAt ?? 0) >= LAST_SEEN_EVERY_MS) request.session.lastSeenAt = Date.now();
  });

  const html = (reply: FastifyReply, body: string, status = 200): FastifyReply => reply.code(status).type('text/html; charset=utf-8').send(body);
  /** Sends the login page instead when there is no user (then returns false). */
  const userOf = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
    if (!request.session.userId) void reply.redirect('/login', 303);
    return request.session.userId;
  };
  const csrfOk = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const ok = csrfValid(request.session.csrfToken, (request.body as Record<string, unknown> | undefined)?._csrf);
    if (!ok) void html(reply, forbiddenPage(), 403);
    return ok;
  };

  app.get('/', async (request, reply) => reply.redirect(request.session.userId ? '/devices' : '/login', 303));

  app.get('/login', async (request, reply) => {
    if (request.session.userId) return reply.redirect('/devices', 303);
    request.session.csrfToken ??= newCsrfToken();
    return html(reply, loginPage(request.session.csrfToken));
  });

  app.post('/login', async (request, reply) => {
    if (!csrfOk(request, reply)) return reply;
    const { username, password } = request.body as Record<string, unknown>;
    if (!checkPassword(username, password)) return html(reply, loginPage(request.session.csrfToken!, 'Wrong username or password.'), 401);
    // A new session id at login (session fixation); @fastify/session saves it, with the user, as the reply is sent.
    await request.session.regenerate();
    Object.assign(request.session, loggedIn(username, describeDevice(request.headers['user-agent']), request.ip, newCsrfToken()));
    return reply.redirect('/devices', 303);
  });

  app.get<{ Querystring: { ended?: string } }>('/devices', async (request, reply) => {
    const userId = userOf(request, reply);
    if (!userId) return reply;
    const ended = request.query.ended === undefined ? undefined : Number(request.query.ended);
    return html(
      reply,
      devicesPage({
        userId,
        currentId: store.sessionIdOf(request.session.sessionId),
        sessions: await storage.readAll(userId, { withExpiry: true }),
        csrf: request.session.csrfToken!,
        notice: ended !== undefined && Number.isInteger(ended) && ended >= 0 ? `Logged out ${ended} other device(s).` : undefined,
      }),
    );
  });

  app.post('/logout', async (request, reply) => {
    if (!userOf(request, reply) || !csrfOk(request, reply)) return reply;
    await request.session.destroy();
    return reply.clearCookie('sid').redirect('/login', 303);
  });

  app.post('/logout-others', async (request, reply) => {
    const userId = userOf(request, reply);
    if (!userId || !csrfOk(request, reply)) return reply;
    const ended = await storage.deleteOthers(userId, store.sessionIdOf(request.session.sessionId));
    return reply.redirect(`/devices?ended=${ended}`, 303);
  });

  app.post('/logout-everywhere', async (request, reply) => {
    const userId = userOf(request, reply);
    if (!userId || !csrfOk(request, reply)) return reply;
    await storage.deleteAll(userId);
    await request.session.destroy();
    return reply.clearCookie('sid').redirect('/login', 303);
  });
  return app;
}
