import { Store, type SessionData } from 'express-session';
import { ErrorCode } from '../../errors/error-code.js';
import { UserSessionStorageError } from '../../errors/user-session-storage-error.js';
import { storageInternals, type StorageInternals } from '../../storage/internals.js';
import type { UserSessionRedisStorage } from '../../storage/user-session-redis-storage.js';
import { sessionIdOfSecret } from '../../tokens/session-token.js';
import { assertPositiveInteger, assertSubject, MAX_TTL_SECONDS } from '../../validation/validate.js';
import { isJsonCodec } from './json-codec.js';
import { RecentReads, type SeenSession } from './recent-reads.js';
import { cookieExpired, slideTtlSeconds, storeTtlSeconds, type SessionLike } from './session-ttl.js';
import { SidScripts, type FoundSession } from './sid-scripts.js';

/** The default {@link UserSessionStoreOptions.ttlSeconds}: one day, as connect-redis. */
export const DEFAULT_STORE_TTL_SECONDS = 86_400;

/** What {@link UserSessionStore} is created with. */
export interface UserSessionStoreOptions<Data extends object = SessionData> {
  /**
   * Where the sessions live. Logged-in sessions are this storage's sessions:
   * its `keyPrefix`, `concurrentSessions` and `onLimit` apply, and its
   * `readAll`, `count`, `delete` and `deleteAll` see them.
   */
  storage: UserSessionRedisStorage<unknown>;
  /**
   * The session's subject (user): a string once the user has logged in,
   * `undefined` or `null` before. Usually `(session) => session.userId`.
   */
  subject: (session: Data) => string | undefined | null;
  /**
   * How long, in seconds, the store keeps a session whose cookie has no
   * expiry (a browser-session cookie, no `maxAge`). Default
   * {@link DEFAULT_STORE_TTL_SECONDS}.
   */
  ttlSeconds?: number;
  /**
   * A request slides a logged-in session's expiry only when it was last
   * moved at least this many seconds ago (connect-mongo's `touchAfter`):
   * a busy user then costs no write per request, and the session may end
   * up to this long before its cookie. Default 0: every request slides it,
   * as express-session asks of a store.
   */
  touchAfterSeconds?: number;
}

/** How express-session and @fastify/session take a store's answer: an error, or none and the value. */
export type StoreCallback<T> = (error: unknown, value?: T) => void;

/**
 * An `express-session` store (also usable by `@fastify/session`) keeping
 * sessions in a {@link UserSessionRedisStorage}, with the per-user index
 * other stores lack.
 *
 * - The framework's session id (the cookie's secret) is never stored: the
 *   storage id is its SHA-256 ({@link sessionIdOfSecret}).
 * - A session without subject (before login) is one key of its own, in no
 *   shared index. Once the application sets the subject and saves (after
 *   `req.session.regenerate()`), the session joins the subject's sessions:
 *   `storage.readAll(userId)`, `count`, `delete` and `deleteAll` see it, and
 *   the storage's `concurrentSessions` limit applies (`TOO_MANY_CONCURRENT_SESSIONS`
 *   reaches the save's callback; with `onLimit: 'evict-oldest'` the oldest
 *   session ends).
 * - A session ended through the storage (`delete`, `deleteAll`, eviction,
 *   expiry) is no session at its next request: `get` answers none, so the
 *   framework starts a new one; a late save of it writes nothing.
 * - `get` is one round trip on one server (two on Redis Cluster) and slides
 *   the session's TTL by its cookie's maxAge; `touch` and `set` then skip
 *   what `get` already wrote.
 *
 * Every method takes a callback, as express-session and @fastify/session
 * call it, or returns a promise when given none. Errors are
 * {@link UserSessionStorageError}s.
 */
export class UserSessionStore<Data extends object = SessionData> extends Store {
  private readonly storage: UserSessionRedisStorage<unknown>;
  private readonly internals: StorageInternals<unknown>;
  private readonly sids: SidScripts;
  private readonly subjectOfSession: (session: Data) => string | undefined | null;
  private readonly ttlSeconds: number;
  private readonly touchAfterSeconds: number;
  private readonly reads = new RecentReads();
  private readonly takesSessionsAsIs: boolean;

  /**
   * @throws `UserSessionStorageError` `INVALID_ARGUMENT` for a missing
   * storage or subject function, or a bad `ttlSeconds`.
   */
  constructor(options: UserSessionStoreOptions<Data>) {
    super();
    const { storage, subject, ttlSeconds = DEFAULT_STORE_TTL_SECONDS, touchAfterSeconds = 0 } = options ?? {};
    if (typeof (storage as Partial<UserSessionRedisStorage<unknown>> | undefined)?.[storageInternals] !== 'function') {
      throw invalid('storage must be a UserSessionRedisStorage (from UserSessionRedisStorage.create())');
    }
    if (typeof subject !== 'function')
      throw invalid('subject must be a function of the session returning its user, e.g. (session) => session.userId');
    assertPositiveInteger('ttlSeconds', ttlSeconds, MAX_TTL_SECONDS);
    if (touchAfterSeconds !== 0) assertPositiveInteger('touchAfterSeconds', touchAfterSeconds, MAX_TTL_SECONDS);
    this.storage = storage;
    this.internals = storage[storageInternals]();
    this.sids = new SidScripts(this.internals);
    this.subjectOfSession = subject;
    this.takesSessionsAsIs = isJsonCodec(this.internals.codec);
    this.ttlSeconds = ttlSeconds;
    this.touchAfterSeconds = touchAfterSeconds;
  }

  /**
   * The storage's id of a framework session id, as `storage.readAll()`
   * lists it: mark the current device with it, or keep it with
   * `deleteOthers`. The hash of the secret, so it is safe to show.
   */
  sessionIdOf(sid: string): string {
    return sessionIdOfSecret(sid);
  }

  // Each method calls back when given a callback, as both frameworks call a store, and returns a promise when given
  // none (as connect-redis does): the frameworks never see that promise, which never rejects when there is a callback.
  /* eslint-disable @typescript-eslint/no-misused-promises */

  /** The session of `sid`, or `null` when there is none (never was, ended, or its cookie expired). */
  get(sid: string, callback: StoreCallback<SessionData | null>): void;
  get(sid: string): Promise<SessionData | null>;
  get(sid: string, callback?: StoreCallback<SessionData | null>): Promise<SessionData | null> | void {
    return settle(this.read(sid), callback);
  }

  /** Saves the session of `sid`: anonymous, or in its subject's sessions once `subject` names one. */
  set(sid: string, session: SessionData, callback: (error?: unknown) => void): void;
  set(sid: string, session: SessionData): Promise<void>;
  set(sid: string, session: SessionData, callback?: (error?: unknown) => void): Promise<void> | void {
    return settle(this.write(sid, session as SessionData & Data), callback);
  }

  /** Extends the session of `sid` by its cookie's maxAge (or the default TTL); never brings back an ended one. */
  override touch(sid: string, session: SessionData, callback: (error?: unknown) => void): void;
  override touch(sid: string, session: SessionData): Promise<void>;
  override touch(sid: string, session: SessionData, callback?: (error?: unknown) => void): Promise<void> | void {
    return settle(this.extend(sid, session as SessionData & Data), callback);
  }

  /** Ends the session of `sid` (logout, `regenerate`); a logged-in one leaves its subject's sessions, reported as `'deleted'`. */
  destroy(sid: string, callback: (error?: unknown) => void): void;
  destroy(sid: string): Promise<void>;
  destroy(sid: string, callback?: (error?: unknown) => void): Promise<void> | void {
    return settle(this.end(sid), callback);
  }

  /* eslint-enable @typescript-eslint/no-misused-promises */

  private async read(sid: string): Promise<SessionData | null> {
    const id = idOf(sid);
    const entry = await this.sids.get(id, this.internals.declaresKeys ? 'sid' : 'read', this.touchAfterSeconds * 1000);
    const session = entry && (await this.sessionOf(entry, id));
    if (!entry || session === undefined || cookieExpired(session)) {
      this.reads.take(sid); // what an earlier request saw is no longer so
      return null;
    }
    this.reads.remember(sid, { id, subject: entry.kind === 'pointer' ? entry.subject : undefined, slideTtl: entry.slideTtl });
    return session as SessionData;
  }

  /**
   * The session an entry holds or points to. A pointer's session not read
   * by the sid script (on a cluster, or not live) is read through the
   * storage, in its subject's slot: it slides it, prunes and reports what
   * ended, and tells a reused rotated id.
   */
  private async sessionOf(entry: FoundSession, id: string): Promise<SessionLike | undefined> {
    const { format } = this.internals;
    if (entry.value) return format.decode(entry.value) as SessionLike;
    if (entry.kind === 'anonymous') return undefined;
    const { subject, slideTtl } = entry;
    if (slideTtl === 0) return (await this.storage.read(subject, id)) as SessionLike | undefined;
    const minRemainingSeconds = this.touchAfterSeconds > 0 ? Math.max(1, slideTtl - this.touchAfterSeconds) : 0;
    return (await this.storage.readAndTouch(subject, id, slideTtl, { minRemainingSeconds }))?.metaData as SessionLike | undefined;
  }

  private async write(sid: string, session: SessionData & Data): Promise<void> {
    const seen = this.reads.take(sid);
    const id = seen?.id ?? idOf(sid);
    const life = lifeOf(session, this.ttlSeconds, seen);
    if (life.ttl <= 0) return this.endSession(id, undefined); // an expired cookie: as connect-redis, the session goes
    // JSON is what frameworks' sessions are made of: the JSON codec takes the session as is, others get a copy of that form.
    const data = this.takesSessionsAsIs ? session : plainCopy(session);
    const subject = this.subjectOf(session);
    if (subject === undefined) return this.writeAnonymous(id, data, life);
    if (seen) {
      // `get` saw it in this request: no need to ask Redis what it is.
      if (seen.subject === subject) return void (await this.update(subject, id, data, life));
      if (seen.subject !== undefined && !(await this.storage.delete(seen.subject, id))) return;
      return this.join(subject, id, data, life);
    }
    // Not read in this request (a new session id, after regenerate): the
    // pointer is written only where the sid key holds nothing, then the
    // session joins. A new id has no anonymous data a refused insert could
    // lose, so the pointer may come first: it then points to no session.
    const found = await this.sids.set(id, { subject }, life.slide, life.ttl, 'if-absent');
    if (found === undefined) return this.insertClaimed(subject, id, data, life);
    if (found !== 'anonymous') {
      if (found.subject === subject) return void (await this.update(subject, id, data, life));
      // Another user now: the session leaves the old one's sessions, unless it ended there (then it stays ended).
      if (!(await this.storage.delete(found.subject, id))) return;
    }
    return this.join(subject, id, data, life);
  }

  /** The insert after the pointer: on failure, the pointer goes too (best effort: a pointer to no session is no session). */
  private async insertClaimed(subject: string, id: string, data: unknown, life: Life): Promise<void> {
    try {
      await this.storage.insert(subject, id, data, life.ttl);
    } catch (error) {
      if (error instanceof UserSessionStorageError && error.code === ErrorCode.SESSION_ALREADY_EXISTS) {
        await this.update(subject, id, data, { ...life, slid: false });
        return;
      }
      await this.sids.delete(id, 'any').catch(() => {});
      throw error;
    }
  }

  /**
   * Saves a logged-in session: its data, and its TTL and pointer unless
   * `get` slid them already. `false` when it has ended through the storage
   * (revoked, evicted, expired): nothing is written, it stays ended.
   */
  private async update(subject: string, id: string, data: unknown, { ttl, slide, slid }: Life): Promise<boolean> {
    const [updated] = await Promise.all([
      this.storage.update(subject, id, data),
      slid ? undefined : this.storage.touch(subject, id, ttl),
      slid ? undefined : this.sids.touch(id, 'pointer', slide, ttl),
    ]);
    return updated;
  }

  /** An anonymous save; over a pointer (the application cleared the subject), the session first leaves its subject's sessions. */
  private async writeAnonymous(id: string, data: unknown, { ttl, slide }: Life): Promise<void> {
    const value = this.internals.format.encode(data);
    const pointer = await this.sids.set(id, { anonymous: value }, slide, ttl, 'keep-pointer');
    if (pointer === undefined || pointer === 'anonymous') return;
    if (!(await this.storage.delete(pointer.subject, id))) return; // ended through the storage: it stays ended
    await this.sids.set(id, { anonymous: value }, slide, ttl, 'replace');
  }

  /**
   * The session joins its subject's sessions (the limit applies), then its
   * sid key points to them: written in this order, a refused insert leaves
   * the anonymous session as it was.
   */
  private async join(subject: string, id: string, data: unknown, life: Life): Promise<void> {
    try {
      await this.storage.insert(subject, id, data, life.ttl);
    } catch (error) {
      // A concurrent save of the same session inserted it first.
      if (!(error instanceof UserSessionStorageError && error.code === ErrorCode.SESSION_ALREADY_EXISTS)) throw error;
      await this.update(subject, id, data, { ...life, slid: false });
    }
    await this.sids.set(id, { subject }, life.slide, life.ttl, 'replace');
  }

  private async extend(sid: string, session: SessionData & Data): Promise<void> {
    const life = lifeOf(session, this.ttlSeconds, this.reads.take(sid));
    if (life.slid || life.ttl <= 0) return;
    const id = idOf(sid);
    const subject = this.subjectOf(session);
    if (subject === undefined) {
      await this.sids.touch(id, 'anonymous', life.slide, life.ttl);
      return;
    }
    await Promise.all([this.storage.touch(subject, id, life.ttl), this.sids.touch(id, 'pointer', life.slide, life.ttl)]);
  }

  private async end(sid: string): Promise<void> {
    const seen = this.reads.take(sid);
    return this.endSession(seen?.id ?? idOf(sid), seen);
  }

  /** The logged-in session ends before its pointer goes: a failure in between leaves a session that `get` still finds, never one it cannot. */
  private async endSession(id: string, seen: SeenSession | undefined): Promise<void> {
    if (seen?.subject === undefined) {
      // Anonymous as `get` saw it, or not seen: a pointer found now is kept until its session has ended.
      const pointer = await this.sids.delete(id, 'keep-pointer');
      if (!pointer) return;
      await this.storage.delete(pointer.subject, id);
    } else {
      await this.storage.delete(seen.subject, id);
    }
    await this.sids.delete(id, 'any');
  }

  private subjectOf(session: Data): string | undefined {
    const subject = this.subjectOfSession(session);
    if (subject === undefined || subject === null) return undefined;
    try {
      assertSubject(subject);
    } catch (error) {
      throw invalid(`subject(session) must return a non-empty string (the user) or undefined; ${(error as Error).message}`);
    }
    return subject;
  }
}

/** How long a save or touch keeps the session. */
interface Life {
  /** The store TTL, in seconds (0 or less: the cookie has expired). */
  ttl: number;
  /** What each read slides it by, in seconds (0: a fixed expiry). */
  slide: number;
  /** `get` slid it by `slide` in this request already. */
  slid: boolean;
}

function lifeOf(session: SessionLike, defaultTtl: number, seen: SeenSession | undefined): Life {
  const slide = slideTtlSeconds(session, defaultTtl);
  return { ttl: storeTtlSeconds(session, defaultTtl), slide, slid: slide > 0 && seen?.slideTtl === slide };
}

function invalid(message: string): UserSessionStorageError {
  return new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, message);
}

function idOf(sid: unknown): string {
  if (typeof sid !== 'string' || sid.length === 0) throw invalid('the session id must be a non-empty string');
  return sessionIdOfSecret(sid);
}

/** The session as JSON would carry it (what express-session's own stores keep): Dates become strings, the Session's methods and symbols go. */
function plainCopy(session: object): unknown {
  return JSON.parse(JSON.stringify(session)) as unknown;
}

/** Calls back when given a callback (as the frameworks call a store), else returns the promise. */
function settle<T>(work: Promise<T>, callback: StoreCallback<T> | undefined): Promise<T> | void {
  if (!callback) return work;
  void work.then(
    (value) => callback(null, value),
    (error: unknown) => callback(error),
  );
}
