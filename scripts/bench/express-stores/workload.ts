import { randomBytes } from 'node:crypto';
import type { SessionData } from 'express-session';
import type { SessionStoreCalls } from './contestants.js';

/** The cookie's maxAge of every benchmarked session: one hour. */
export const MAX_AGE_MS = 3_600_000;
/** Sessions per user: a few devices each, as in a real login system. */
const SESSIONS_PER_USER = 4;

/** What express-session keeps of a logged-in session: the cookie, the user, what an application adds (about 330 bytes as JSON). */
export function sessionData(i: number): SessionData & { userId: string } {
  return {
    cookie: { originalMaxAge: MAX_AGE_MS, expires: new Date(Date.now() + MAX_AGE_MS), httpOnly: true, path: '/', secure: true, sameSite: 'lax' },
    userId: `user-${Math.floor(i / SESSIONS_PER_USER)}`,
    csrfToken: randomBytes(24).toString('base64url'),
    device: { type: 'desktop', os: 'Linux', client: 'Firefox 140' },
    ip: '203.0.113.7',
    loggedInAt: Date.now(),
  } as unknown as SessionData & { userId: string };
}

/** Session ids as express-session makes them (uid-safe: 24 random bytes, base64url). */
export function sessionIds(n: number): string[] {
  return Array.from({ length: n }, () => randomBytes(24).toString('base64url'));
}

/** One benchmarked call sequence, with the check that its result was right. */
export type StoreOperation = (store: SessionStoreCalls, sids: string[], i: number) => Promise<true | string>;

/** What express-session calls, per phase of a session's life. */
export const OPERATIONS = {
  /** Login: `set` of a new session that names its user. */
  login: async (store, sids, i) => {
    await store.set(sids[i]!, sessionData(i));
    return true;
  },
  /** An authenticated request that leaves the session unmodified: `get`, then `touch` with the cookie reset to now + maxAge. */
  request: async (store, sids, i) => {
    const n = i % sids.length;
    const session = await store.get(sids[n]!);
    const expected = `user-${Math.floor(n / SESSIONS_PER_USER)}`;
    if ((session as { userId?: string } | null | undefined)?.userId !== expected) return `get(${n}) gave ${JSON.stringify(session)}`;
    session!.cookie = { ...session!.cookie, expires: new Date(Date.now() + MAX_AGE_MS) };
    await store.touch(sids[n]!, session!);
    return true;
  },
  /** Logout: `destroy`. */
  logout: async (store, sids, i) => {
    await store.destroy(sids[i]!);
    return true;
  },
} satisfies Record<string, StoreOperation>;

export type StoreOperationName = keyof typeof OPERATIONS;
