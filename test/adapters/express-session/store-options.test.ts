import test from 'ava';
import type { SessionData } from 'express-session';
import { UserSessionStore } from '../../../src/adapters/express-session/index.js';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../../src/index.js';
import { storageOnOwnServer } from '../../helpers/own-storage.js';

const invalid = { instanceOf: UserSessionStorageError, code: 'INVALID_ARGUMENT' };
const subject = (session: SessionData): string | undefined => session.userId;

test('the store refuses a missing storage, subject function or a bad ttl, saying what to pass', async (t) => {
  const { storage } = await storageOnOwnServer<unknown>(t);
  t.throws(() => new UserSessionStore({ storage: {} as UserSessionRedisStorage<unknown>, subject }), {
    ...invalid,
    message: /UserSessionRedisStorage/,
  });
  t.throws(() => new UserSessionStore({ storage, subject: 'userId' as unknown as typeof subject }), {
    ...invalid,
    message: /subject must be a function/,
  });
  for (const ttlSeconds of [0, 1.5, -1, 2 ** 31]) t.throws(() => new UserSessionStore({ storage, subject, ttlSeconds }), invalid);
  t.throws(() => new UserSessionStore({ storage, subject, touchAfterSeconds: -5 }), invalid);
});

test('callbacks as express-session and @fastify/session call a store, promises without; errors are typed', async (t) => {
  const { storage } = await storageOnOwnServer<unknown>(t);
  const store = new UserSessionStore({ storage, subject: (s: SessionData & { user?: unknown }) => s.user as string | undefined });
  const session = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, user: 'alice' } as unknown as SessionData;
  await new Promise<void>((resolve, reject) =>
    store.set('sid-1', session, (error) => (error ? reject(new Error('set failed', { cause: error })) : resolve())),
  );
  const loaded = await new Promise<SessionData | null | undefined>((resolve, reject) =>
    store.get('sid-1', (error, value) => (error ? reject(new Error('get failed', { cause: error })) : resolve(value))),
  );
  t.like(loaded, { user: 'alice' });
  t.is(await storage.count('alice'), 1);
  // A subject that is no valid subject reaches the callback as INVALID_ARGUMENT; nothing is written.
  const error = await new Promise<unknown>((resolve) => store.set('sid-2', { ...session, user: 42 } as unknown as SessionData, resolve));
  t.like(error, { code: 'INVALID_ARGUMENT' });
  t.is(await store.get('sid-2'), null);
  await store.destroy('sid-1');
  t.is(await storage.count('alice'), 0);
  await storage.close();
  await t.throwsAsync(store.get('sid-1'), { instanceOf: UserSessionStorageError, code: 'STORAGE_CLOSED' });
});
