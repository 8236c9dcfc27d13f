import { EventEmitter } from 'node:events';
import { msgpackCodec } from '../codec/msgpack-codec.js';
import { ValueFormat } from '../codec/value-format.js';
import { ErrorCode } from '../errors/error-code.js';
import { redisFailure } from '../errors/redis-failure.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import { KeySchema } from '../keys/key-schema.js';
import { cleanup } from '../operations/cleanup.js';
import { count } from '../operations/count.js';
import { runDeclaringKeys } from '../operations/declared-keys.js';
import { deleteAll } from '../operations/delete-all.js';
import { deleteOne } from '../operations/delete.js';
import { insert } from '../operations/insert.js';
import type { Operation, OperationContext, SubjectInput } from '../operations/operation.js';
import { readAll, readAllWithExpiry, type ListedSession } from '../operations/read-all.js';
import { readAndTouch, type TouchedSession } from '../operations/read-and-touch.js';
import { rotate } from '../operations/rotate.js';
import { deleteOthers } from '../operations/delete-others.js';
import { read } from '../operations/read.js';
import { touch } from '../operations/touch.js';
import { update } from '../operations/update.js';
import type { EndedSession } from '../scripts/reply.js';
import type { ScriptLoader } from '../scripts/script-loader.js';
import { ScriptRunner } from '../scripts/script-runner.js';
import { OwnDeletes } from '../subscriber/own-deletes.js';
import type { KeyEvent, Subscriber } from '../subscriber/subscriber.js';
import { assertSessionId, assertSubject, assertTtlSeconds } from '../validation/validate.js';
import { deploymentOf, type Deployment } from '../deployments/index.js';
import { resolveOptions, type ResolvedOptions, type UserSessionStorageOptions } from './options.js';
import type { SessionEndedEvent, UserSessionStorageEventName, UserSessionStorageEvents, UserSessionStorageListener } from './storage-events.js';
import { traceBackgroundError, type BackgroundErrorMessage } from '../observability/diagnostics.js';
import { parseReply } from '../scripts/reply.js';
import { storageInternals, type StorageInternals } from './internals.js';
import { countEnded, traceOperation, type CallTrace } from '../observability/operation-metrics.js';

export type { SessionEndedEvent } from './storage-events.js';
export type { ListedSession } from '../operations/read-all.js';
export type { TouchedSession } from '../operations/read-and-touch.js';

/** Options of {@link UserSessionRedisStorage.readAndTouch}. */
export interface ReadAndTouchOptions {
  /**
   * While the session has at least this many seconds left, nothing is
   * written (its expiry is not moved): a busy session then costs no write
   * per request. Whole seconds from 0 (default: always slide) to the ttl.
   */
  minRemainingSeconds?: number;
}

/** Options of {@link UserSessionRedisStorage.readAll}. */
export interface ReadAllOptions {
  /** `true`: each session comes with its expiry ({@link ListedSession}). */
  withExpiry?: boolean;
}

// The interface types the EventEmitter methods by UserSessionStorageEvents; it must repeat the class's type parameter to merge with it.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export interface UserSessionRedisStorage<MetaData> {
  /**
   * Listens for ended sessions. `'expired'`: the session's TTL ran out.
   * `'evicted'`: its value vanished before its expiry (maxmemory eviction,
   * or a DEL/UNLINK from outside the library). `'deleted'`: `delete`, `deleteAll`
   * or `onLimit: 'evict-oldest'` ended it (emitted by the instance that ran
   * the call). Payload: {@link SessionEndedEvent}.
   *
   * Guarantees: no ended session is reported twice across all storage
   * instances (processes) sharing the server and prefix, and none before it
   * has ended. A session is reported while its subject's index exists; see
   * docs/errors-and-events.md for sessions whose index Redis evicted first.
   * Sessions ended by a call whose reply was lost (`REDIS_ERROR`, outcome
   * unknown) are not reported. Events are emitted after the call that caused them has
   * settled, so a throwing listener cannot fail that call. With
   * `keyspaceEvents: 'off'`, `'expired'` and `'evicted'` come only when an
   * operation prunes the stale entry (`readAll`, `count`, `deleteAll`,
   * `insert`, or a `read`/`touch`/`update`/`delete` of that session).
   *
   * `'error'`: a failure in the background, which no call can report: a
   * script preload or a resubscribe after a reconnect, a cleanup call after
   * a notification. Always a {@link UserSessionStorageError}. Emitted only
   * when a listener exists, so an unlistened failure never crashes the
   * process; correctness does not depend on these background tasks. Every
   * background failure, listened to or not, is also published on a
   * diagnostics channel (docs/observability.md).
   */
  on<E extends UserSessionStorageEventName>(event: E, listener: UserSessionStorageListener<E>): this;
  /** As {@link UserSessionRedisStorage.on}, for the next event `event` only. */
  once<E extends UserSessionStorageEventName>(event: E, listener: UserSessionStorageListener<E>): this;
  /** Removes a listener added with `on`, `once`, `addListener` or a `prepend…` method. */
  off<E extends UserSessionStorageEventName>(event: E, listener: UserSessionStorageListener<E>): this;
  /** Same as {@link UserSessionRedisStorage.on}. */
  addListener<E extends UserSessionStorageEventName>(event: E, listener: UserSessionStorageListener<E>): this;
  /** Same as {@link UserSessionRedisStorage.off}. */
  removeListener<E extends UserSessionStorageEventName>(event: E, listener: UserSessionStorageListener<E>): this;
  /** As {@link UserSessionRedisStorage.on}, called before the listeners added so far. */
  prependListener<E extends UserSessionStorageEventName>(event: E, listener: UserSessionStorageListener<E>): this;
  /** As {@link UserSessionRedisStorage.once}, called before the listeners added so far. */
  prependOnceListener<E extends UserSessionStorageEventName>(event: E, listener: UserSessionStorageListener<E>): this;
  /** The storage's own: emitting from outside would report sessions that did not end. */
  emit<E extends UserSessionStorageEventName>(event: E, ...args: UserSessionStorageEvents[E]): boolean;
}

/**
 * Stores users' login sessions in Redis. Create one with
 * {@link UserSessionRedisStorage.create}.
 *
 * Guarantees: each operation's effect is one EVALSHA of an atomic script
 * (see `lua/`), so it happens entirely or not at all, in one round trip on
 * one server (on a cluster, a subject-wide call first lists the value keys
 * it must declare: two round trips). A
 * session exists while both its value and its entry in the subject's index
 * exist, and never otherwise (fail closed). Liveness never depends on
 * keyspace notifications: every operation ignores and prunes entries of
 * sessions that have ended. When every session has ended, no key is left but the markers of rotated ids, until their TTL (`reuseDetectionSeconds`).
 *
 * Every method rejects only with {@link UserSessionStorageError}:
 * `INVALID_ARGUMENT` for bad input (nothing is sent to Redis then),
 * `STORAGE_CLOSED` after {@link UserSessionRedisStorage.close},
 * `REDIS_ERROR` when Redis or the connection fails (its message says
 * whether the operation was not sent, or may or may not have happened:
 * see README, Errors), `VALUE_FORMAT_MISMATCH`
 * when a stored value cannot be decoded; and the codes listed per method.
 *
 * @typeParam MetaData - What is stored per session; any value the codec
 * encodes (see {@link DefaultMetaData} for a ready-made shape).
 */
export class UserSessionRedisStorage<MetaData = unknown> extends EventEmitter {
  private closed = false;
  private readonly loader: ScriptLoader;
  private readonly runner: ScriptRunner;
  private subscriber: Subscriber | undefined;
  /** Keys this instance deleted, whose `del` notification needs no cleanup. */
  private readonly ownDeletes = new OwnDeletes();
  /** Per subject, this instance's calls in flight that may delete values ({@link Operation.deletesValues}). */
  private readonly deleting = new Map<string, Set<Promise<unknown>>>();
  /** What the operations encode and decode with. */
  private readonly context: OperationContext<MetaData>;

  private constructor(
    settings: ResolvedOptions,
    private readonly keys: KeySchema,
    format: ValueFormat<MetaData>,
    private readonly deployment: Deployment,
  ) {
    super();
    // Preloads on every ready connection (every node of a cluster), so the first call after a reconnect finds its script.
    this.loader = deployment.scriptLoader((e) => this.report(e, 'script-load'));
    this.runner = new ScriptRunner(deployment.scriptClient, this.loader);
    const reuseRevokes = ({ 'revoke-family': 'f', 'revoke-subject': 's', report: 'r' } as const)[settings.onReuse];
    this.context = {
      keys,
      format,
      settings,
      declaresKeys: deployment.declaresKeys,
      reuseRevokes,
    };
  }

  /**
   * Creates a storage on the caller's client: validates the options, opens
   * the storage's own connection for its commands (a duplicate of the
   * client that never re-sends a command), loads the scripts (SCRIPT LOAD,
   * again on every reconnect) and, unless `keyspaceEvents` is `'off'`,
   * starts the one subscriber connection that reports expired, evicted and
   * deleted-from-outside sessions.
   *
   * @param options - See {@link UserSessionStorageOptions}; only `client` is required.
   * @returns A ready storage. Close it with {@link UserSessionRedisStorage.close}.
   * @throws {@link UserSessionStorageError} `INVALID_ARGUMENT` for a bad
   * option (nothing is sent); `KEYSPACE_EVENTS_DISABLED` when the server
   * does not publish the expired/evicted/del events (`Egxe`) and they cannot
   * be configured (`'verify'`: its probe's notifications did not arrive;
   * `'configure'` with CONFIG refused); `REDIS_ERROR` when Redis cannot be
   * reached or the scripts cannot be loaded. On failure, nothing is left
   * running.
   */
  static async create<MetaData = unknown>(options: UserSessionStorageOptions<MetaData>): Promise<UserSessionRedisStorage<MetaData>> {
    const settings = resolveOptions(options);
    const { client } = options;
    const keys = new KeySchema(settings.keyPrefix);
    const format = new ValueFormat<MetaData>(options.codec ?? msgpackCodec<MetaData>());
    const storage = new UserSessionRedisStorage<MetaData>(settings, keys, format, deploymentOf(client, keys));
    try {
      await storage.deployment.open();
      await storage.runner.loadAll();
      if (settings.keyspaceEvents !== 'off') {
        storage.subscriber = storage.deployment.subscriber({
          mode: settings.keyspaceEvents,
          onKeyEvent: (key, event) => storage.cleanUp(key, event),
          onError: (error) => storage.report(error, 'subscriber'),
        });
        await storage.subscriber.start();
      }
    } catch (error) {
      await storage.close();
      throw storage.wrap(error);
    }
    return storage;
  }

  /**
   * Starts a session: writes its metadata with a TTL and its index entry in
   * one atomic step.
   *
   * With `concurrentSessions`, the limit holds under any number of
   * concurrent inserts from any number of processes; with `onLimit:
   * 'evict-oldest'` the live session(s) that would expire first are ended in
   * the same step (and reported as `'deleted'`).
   *
   * @param subject - The user; any non-empty well-formed string up to {@link MAX_ID_BYTES} UTF-8 bytes.
   * @param sessionId - Unique per subject; same rules as `subject`. Use an unguessable random value.
   * @param metaData - Stored as the codec encodes it; `undefined` is refused.
   * @param ttlSeconds - Whole seconds from 1 to {@link MAX_TTL_SECONDS}.
   * @throws {@link UserSessionStorageError} `SESSION_ALREADY_EXISTS` when this
   * (subject, sessionId) has a live session (left untouched);
   * `TOO_MANY_CONCURRENT_SESSIONS` at the limit with `onLimit: 'reject'`;
   * `INVALID_ARGUMENT` for bad input or metadata the codec cannot encode.
   * In all three cases nothing is written.
   */
  async insert(subject: string, sessionId: string, metaData: MetaData, ttlSeconds: number): Promise<void> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    assertTtlSeconds(ttlSeconds);
    return this.call(insert, { subject, sessionId, metaData, ttlSeconds });
  }

  /**
   * Reads one session's metadata.
   *
   * @returns The metadata of the live session, or `undefined` when there is
   * none. Fails closed: a value whose index entry is gone is no session
   * (and is deleted), so what `deleteAll` cannot see, `read` never returns.
   * Does not extend the TTL: use {@link UserSessionRedisStorage.touch}.
   * @throws {@link UserSessionStorageError} `VALUE_FORMAT_MISMATCH` when the
   * stored value was written by another codec; `INVALID_ARGUMENT` for bad ids.
   */
  async read(subject: string, sessionId: string): Promise<MetaData | undefined> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    return this.call(read<MetaData>(), { subject, sessionId });
  }

  /**
   * Reads every live session of a subject, in one atomic step ("your
   * devices").
   *
   * @returns sessionId → metadata of each live session; empty when there is
   * none. Entries of ended sessions are pruned (and reported) in the same step.
   * @throws {@link UserSessionStorageError} `VALUE_FORMAT_MISMATCH` when a
   * stored value was written by another codec; `INVALID_ARGUMENT` for a bad subject.
   */
  async readAll(subject: string, options?: ReadAllOptions & { withExpiry?: false }): Promise<ReadonlyMap<string, MetaData>>;
  /**
   * As above, with each session's expiry (`withExpiry: true`): what a "your
   * devices" page shows, in the same one step.
   *
   * @returns sessionId → { metaData, expiresAt } of each live session, in the order they expire.
   */
  async readAll(subject: string, options: ReadAllOptions & { withExpiry: true }): Promise<ReadonlyMap<string, ListedSession<MetaData>>>;
  async readAll(subject: string, options?: ReadAllOptions): Promise<ReadonlyMap<string, MetaData | ListedSession<MetaData>>> {
    this.assertOpen();
    assertSubject(subject);
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'readAll options must be an object such as { withExpiry: true }');
    }
    if (options?.withExpiry !== undefined && typeof options.withExpiry !== 'boolean') {
      throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'readAll option withExpiry must be true or false');
    }
    if (options?.withExpiry) return this.call(readAllWithExpiry<MetaData>(), { subject });
    return this.call(readAll<MetaData>(), { subject });
  }

  /**
   * Replaces a live session's metadata; its TTL is kept.
   *
   * @returns `true` if replaced; `false` when there is no live session
   * (nothing is written: an ended session is never brought back).
   * @throws {@link UserSessionStorageError} `INVALID_ARGUMENT` for bad ids
   * or metadata the codec cannot encode.
   */
  async update(subject: string, sessionId: string, metaData: MetaData): Promise<boolean> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    return this.call(update, { subject, sessionId, metaData });
  }

  /**
   * Resets a live session's TTL: sliding expiration, typically on every
   * authenticated request.
   *
   * @param ttlSeconds - The new TTL from now, in whole seconds from 1 to {@link MAX_TTL_SECONDS}.
   * @returns `true` if the TTL was reset; `false` when there is no live
   * session (nothing is written: an ended session is never brought back).
   * @throws {@link UserSessionStorageError} `INVALID_ARGUMENT` for bad ids or ttl.
   */
  async touch(subject: string, sessionId: string, ttlSeconds: number): Promise<boolean> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    assertTtlSeconds(ttlSeconds);
    return this.call(touch, { subject, sessionId, ttlSeconds });
  }

  /**
   * Reads a live session and slides its expiry, in one atomic step and one
   * round trip: what every authenticated request needs, instead of `read`
   * then `touch`.
   *
   * @param ttlSeconds - The new TTL from now, in whole seconds from 1 to {@link MAX_TTL_SECONDS}.
   * @param options - `minRemainingSeconds`: skip the write while the session has at least that long left.
   * @returns The metadata and the expiry (ms since the epoch, server clock,
   * after this call) of the live session, or `undefined` when there is none
   * (nothing is written: an ended session is never brought back).
   * @throws {@link UserSessionStorageError} `VALUE_FORMAT_MISMATCH` when the
   * stored value was written by another codec; `INVALID_ARGUMENT` for bad
   * ids, ttl or options.
   */
  async readAndTouch(
    subject: string,
    sessionId: string,
    ttlSeconds: number,
    options?: ReadAndTouchOptions,
  ): Promise<TouchedSession<MetaData> | undefined> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    assertTtlSeconds(ttlSeconds);
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'readAndTouch options must be an object such as { minRemainingSeconds: 60 }');
    }
    const minRemainingSeconds = options?.minRemainingSeconds === undefined ? 0 : options.minRemainingSeconds;
    if (!Number.isInteger(minRemainingSeconds) || minRemainingSeconds < 0 || minRemainingSeconds > ttlSeconds) {
      throw new UserSessionStorageError(
        ErrorCode.INVALID_ARGUMENT,
        `minRemainingSeconds must be a whole number of seconds from 0 to the ttl (${ttlSeconds}); got ${String(minRemainingSeconds)}`,
      );
    }
    return this.call(readAndTouch<MetaData>(), { subject, sessionId, ttlSeconds, minRemainingSeconds });
  }

  /**
   * Ends a live session and starts its successor in one atomic step:
   * refresh-token rotation, and session-id regeneration at login or on a
   * privilege change (session fixation). The old session is reported as
   * `'rotated'`; the new one takes its place, so the concurrent-session
   * limit never refuses a rotation. The old id is remembered
   * (`reuseDetectionSeconds`): presented again, it is a reuse (`'reused'`
   * event and `onReuse`), except for a retry of this very rotation (same
   * ids), which answers `true` again.
   *
   * @param newSessionId - The successor's id; same rules as `sessionId`, and not equal to it.
   * @param ttlSeconds - The successor's TTL, in whole seconds from 1 to {@link MAX_TTL_SECONDS}.
   * @param metaData - The successor's metadata; omitted: the old session's.
   * @returns `true` if rotated; `false` when `sessionId` has no live session (nothing written).
   * @throws {@link UserSessionStorageError} `SESSION_ALREADY_EXISTS` when
   * `newSessionId` has a live session; `INVALID_ARGUMENT` for bad input or
   * metadata the codec cannot encode. In both cases nothing is written.
   */
  async rotate(subject: string, sessionId: string, newSessionId: string, ttlSeconds: number, metaData?: MetaData): Promise<boolean> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    assertSessionId(newSessionId);
    assertTtlSeconds(ttlSeconds);
    if (newSessionId === sessionId) {
      throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'newSessionId must differ from sessionId: a rotation replaces the id');
    }
    return this.call(rotate, { subject, sessionId, newSessionId, ttlSeconds, metaData });
  }

  /**
   * Ends every session of a subject but one, in one atomic step ("log out
   * other devices"), and emits `'deleted'` for each. The kept session is
   * untouched (whether live or not).
   *
   * @returns How many live sessions were ended.
   * @throws {@link UserSessionStorageError} `INVALID_ARGUMENT` for bad ids.
   */
  async deleteOthers(subject: string, keepSessionId: string): Promise<number> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(keepSessionId);
    return this.call(deleteOthers, { subject, sessionId: keepSessionId });
  }

  /**
   * Ends one session (logout), and emits `'deleted'` for it.
   *
   * @returns `true` if a live session was ended; `false` when there was none.
   * @throws {@link UserSessionStorageError} `INVALID_ARGUMENT` for bad ids.
   */
  async delete(subject: string, sessionId: string): Promise<boolean> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    return this.call(deleteOne, { subject, sessionId });
  }

  /**
   * Ends every session of a subject in one atomic step ("log out
   * everywhere"), and emits `'deleted'` for each. No session of the subject
   * that `read` would accept survives it.
   *
   * @returns How many live sessions were ended.
   * @throws {@link UserSessionStorageError} `INVALID_ARGUMENT` for a bad subject.
   */
  async deleteAll(subject: string): Promise<number> {
    this.assertOpen();
    assertSubject(subject);
    return this.call(deleteAll, { subject });
  }

  /**
   * Counts a subject's live sessions, exactly: entries of ended sessions are
   * pruned (and reported) in the same atomic step, never counted.
   *
   * @returns The number of live sessions.
   * @throws {@link UserSessionStorageError} `INVALID_ARGUMENT` for a bad subject.
   */
  async count(subject: string): Promise<number> {
    this.assertOpen();
    assertSubject(subject);
    return this.call(count, { subject });
  }

  /**
   * Closes the storage's own connections (commands and subscriber) and its
   * listeners on the caller's client. The caller's client stays open. Calls
   * still in flight fail with `REDIS_ERROR`. Idempotent; never throws. Later
   * operations reject with `STORAGE_CLOSED`.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.loader.stop();
    await this.subscriber?.stop();
    this.deployment.close();
  }

  /** @internal The adapters' way in (src/adapters; see internals.ts): not part of the API. */
  [storageInternals](): StorageInternals<MetaData> {
    return {
      keys: this.keys,
      format: this.context.format,
      codec: this.context.format.codec,
      declaresKeys: this.context.declaresKeys,
      indexGraceMs: this.context.settings.indexGraceMs,
      runScript: async (contract, keys, args) => {
        this.assertOpen();
        try {
          return parseReply(await this.runner.run(contract, keys, args));
        } catch (error) {
          throw this.wrap(error);
        }
      },
      reportEnded: (subject, ended) => {
        if (ended.length > 0) this.reportEnded(subject, ended);
      },
    };
  }

  /** One cleanup call per notification; only the instance whose call removed the entry reports it. */
  private cleanUp(key: string, event: KeyEvent): void {
    const parsed = this.keys.parseValueKey(key);
    if (!parsed || this.closed) return;
    const { subject, sessionId } = parsed;
    const clean = (): Promise<unknown> =>
      this.call(cleanup, { subject, sessionId, valueKey: key, reason: event === 'expired' ? 'expired' : 'evicted' });
    if (event !== 'del') {
      clean().catch((e: unknown) => this.report(e, 'cleanup'));
      return;
    }
    // The notification and the reply of the call that deleted the key come on
    // different connections, in either order: the call's reply is awaited first.
    const deleting = [...(this.deleting.get(subject) ?? [])];
    void Promise.allSettled(deleting)
      .then(() => (this.ownDeletes.take(key) || this.closed ? undefined : clean()))
      .catch((e: unknown) => this.report(e, 'cleanup'));
  }

  /** Keeps `call` among the subject's calls in flight that may delete values, until it settles. */
  private trackDeleting<T>(subject: string, call: Promise<T>): Promise<T> {
    let calls = this.deleting.get(subject);
    if (!calls) this.deleting.set(subject, (calls = new Set()));
    const inFlight = calls;
    inFlight.add(call);
    const done = (): void => {
      inFlight.delete(call);
      if (inFlight.size === 0 && this.deleting.get(subject) === inFlight) this.deleting.delete(subject);
    };
    call.then(done, done);
    return call;
  }

  /**
   * Runs an operation (its NEED_KEYS rounds included, traced on its
   * diagnostics channel), reports the sessions it ended, and returns its
   * decoded result or throws its error. A call that may delete values is
   * kept among the subject's deleting calls until it settles (see cleanUp).
   */
  private call<Input extends SubjectInput, Result>(operation: Operation<Input, Result, MetaData>, input: Input): Promise<Result> {
    const call = traceOperation(operation.script, this.keys.prefix, input.subject, (trace) => this.execute(operation, input, trace));
    return this.subscriber && operation.deletesValues ? this.trackDeleting(input.subject, call) : call;
  }

  private async execute<Input extends SubjectInput, Result>(
    operation: Operation<Input, Result, MetaData>,
    input: Input,
    trace?: CallTrace,
  ): Promise<Result> {
    let reply;
    try {
      reply = await runDeclaringKeys(this.runner, operation, input, this.context, trace);
    } catch (error) {
      throw this.wrap(error);
    }
    const { result, error } = reply;
    const ended = reply.bare && operation.impliedEnded ? operation.impliedEnded(input, result) : reply.ended;
    if (trace) countEnded(trace, ended);
    if (ended.length > 0) this.reportEnded(input.subject, ended);
    if (error) throw error;
    return operation.decode(result, this.context);
  }

  private reportEnded(subject: string, ended: EndedSession[]): void {
    if (this.subscriber) {
      for (const e of ended) {
        if (e.reason === 'deleted' || e.reason === 'rotated') this.ownDeletes.add(this.keys.valueKey(subject, e.sessionId));
      }
    }
    // Emitted after the caller's promise settles: a throwing listener cannot
    // turn a completed operation into a failed one.
    process.nextTick(() => {
      for (const e of ended) this.emit(e.reason, { subject, sessionId: e.sessionId } satisfies SessionEndedEvent);
    });
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new UserSessionStorageError(ErrorCode.STORAGE_CLOSED, 'this storage was closed; create a new one with UserSessionRedisStorage.create()');
    }
  }

  private wrap(error: unknown): UserSessionStorageError {
    return redisFailure(error);
  }

  /** A background failure: to the 'error' listeners if any, and to the diagnostics channel in any case. */
  private report(error: unknown, task: BackgroundErrorMessage['task']): void {
    const wrapped = this.wrap(error);
    const emitted = this.listenerCount('error') > 0;
    traceBackgroundError({ task, keyPrefix: this.keys.prefix, error: wrapped, emitted });
    if (emitted) this.emit('error', wrapped);
  }
}
