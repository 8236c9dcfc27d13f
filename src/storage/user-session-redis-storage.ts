import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { msgpackCodec } from '../codec/msgpack-codec.js';
import { ValueFormat } from '../codec/value-format.js';
import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import { KeySchema } from '../keys/key-schema.js';
import type { ScriptName } from '../scripts/lua.generated.js';
import { EVICTED_CODE, EXPIRED_CODE, parseReply, type EndReason } from '../scripts/reply.js';
import { ScriptRunner, type ScriptClient } from '../scripts/script-runner.js';
import { KeyspaceSubscriber, type KeyEvent } from '../subscriber/keyspace-subscriber.js';
import { assertSessionId, assertSubject, assertTtlSeconds } from '../validation/validate.js';
import { resolveOptions, type ResolvedOptions, type UserSessionStorageOptions } from './options.js';

/** Payload of the 'expired', 'evicted' and 'deleted' events. */
export interface SessionEndedEvent {
  subject: string;
  sessionId: string;
}

export interface UserSessionRedisStorage<MetaData> {
  /** A session's value expired ('expired'), vanished early ('evicted'), or was ended by delete/deleteAll/evict-oldest ('deleted'). Reported once across all instances. */
  on(event: EndReason, listener: (event: SessionEndedEvent) => void): this;
  /** Background failures (script preload or resubscribe after a reconnect, a cleanup call). Emitted only when listened to. */
  on(event: 'error', listener: (error: UserSessionStorageError) => void): this;
}

/**
 * Stores users' login sessions in Redis. Each operation is one EVALSHA of
 * an atomic script (see lua/): a session exists while both its value and
 * its entry in the subject's index exist, and never otherwise.
 */
export class UserSessionRedisStorage<MetaData = unknown> extends EventEmitter {
  private closed = false;
  private readonly reloadScripts = (): void => {
    this.runner.loadAll().catch((e: unknown) => this.report(e));
  };

  private constructor(
    private readonly client: Redis,
    private readonly settings: ResolvedOptions,
    private readonly keys: KeySchema,
    private readonly format: ValueFormat<MetaData>,
    private readonly runner: ScriptRunner,
    private subscriber: KeyspaceSubscriber | undefined,
  ) {
    super();
  }

  /**
   * Validates the options, preloads the scripts and, unless keyspaceEvents is
   * 'off', starts the subscriber. Throws INVALID_ARGUMENT for bad options and
   * KEYSPACE_EVENTS_DISABLED when the server cannot notify expiries.
   */
  static async create<MetaData = unknown>(options: UserSessionStorageOptions<MetaData>): Promise<UserSessionRedisStorage<MetaData>> {
    const settings = resolveOptions(options);
    const { client } = options;
    const keys = new KeySchema(settings.keyPrefix);
    const format = new ValueFormat<MetaData>(options.codec ?? msgpackCodec<MetaData>());
    const runner = new ScriptRunner(client as unknown as ScriptClient);
    const storage = new UserSessionRedisStorage<MetaData>(client, settings, keys, format, runner, undefined);
    // Preloaded on every ready connection, so the first call after a reconnect finds its script.
    client.on('ready', storage.reloadScripts);
    try {
      await runner.loadAll();
      if (settings.keyspaceEvents !== 'off') {
        storage.subscriber = storage.createSubscriber(settings.keyspaceEvents);
        await storage.subscriber.start();
      }
    } catch (error) {
      await storage.close();
      throw storage.wrap(error);
    }
    return storage;
  }

  /** Starts a session. Throws SESSION_ALREADY_EXISTS, TOO_MANY_CONCURRENT_SESSIONS or INVALID_ARGUMENT; writes nothing then. */
  async insert(subject: string, sessionId: string, metaData: MetaData, ttlSeconds: number): Promise<void> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    assertTtlSeconds(ttlSeconds);
    const value = this.format.encode(metaData);
    const { concurrentSessions, onLimit, indexGraceMs } = this.settings;
    await this.run(subject, 'insert', [this.keys.valueKey(subject, sessionId), this.keys.indexKey(subject)], [
      sessionId,
      value,
      String(ttlSeconds * 1000),
      String(concurrentSessions),
      onLimit,
      String(indexGraceMs),
    ]);
  }

  /** The metadata of a live session, or undefined. */
  async read(subject: string, sessionId: string): Promise<MetaData | undefined> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    const value = await this.run(subject, 'read', [this.keys.valueKey(subject, sessionId), this.keys.indexKey(subject)], [sessionId]);
    return Buffer.isBuffer(value) ? this.format.decode(value) : undefined;
  }

  /** Every live session of the subject, by sessionId. */
  async readAll(subject: string): Promise<ReadonlyMap<string, MetaData>> {
    this.assertOpen();
    assertSubject(subject);
    const flat = (await this.run(subject, 'readAll', [this.keys.indexKey(subject)], [])) as Buffer[];
    const sessions = new Map<string, MetaData>();
    for (let i = 0; i < flat.length; i += 2) {
      sessions.set(flat[i]!.toString(), this.format.decode(flat[i + 1]!));
    }
    return sessions;
  }

  /** Replaces a live session's metadata and keeps its TTL. False if there is no live session. */
  async update(subject: string, sessionId: string, metaData: MetaData): Promise<boolean> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    const value = this.format.encode(metaData);
    const result = await this.run(subject, 'update', [this.keys.valueKey(subject, sessionId), this.keys.indexKey(subject)], [sessionId, value]);
    return result === 1;
  }

  /** Resets a live session's TTL (sliding expiration). False if there is no live session. */
  async touch(subject: string, sessionId: string, ttlSeconds: number): Promise<boolean> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    assertTtlSeconds(ttlSeconds);
    const result = await this.run(subject, 'touch', [this.keys.valueKey(subject, sessionId), this.keys.indexKey(subject)], [
      sessionId,
      String(ttlSeconds * 1000),
      String(this.settings.indexGraceMs),
    ]);
    return result === 1;
  }

  /** Ends one session. True if a live session was ended. */
  async delete(subject: string, sessionId: string): Promise<boolean> {
    this.assertOpen();
    assertSubject(subject);
    assertSessionId(sessionId);
    const result = await this.run(subject, 'delete', [this.keys.valueKey(subject, sessionId), this.keys.indexKey(subject)], [
      sessionId,
      String(this.settings.indexGraceMs),
    ]);
    return result === 1;
  }

  /** Ends every session of the subject ("log out everywhere"). Returns how many live sessions were ended. */
  async deleteAll(subject: string): Promise<number> {
    this.assertOpen();
    assertSubject(subject);
    return (await this.run(subject, 'deleteAll', [this.keys.indexKey(subject)], [])) as number;
  }

  /** Number of live sessions of the subject. */
  async count(subject: string): Promise<number> {
    this.assertOpen();
    assertSubject(subject);
    return (await this.run(subject, 'count', [this.keys.indexKey(subject)], [])) as number;
  }

  /** Stops the subscriber. The caller's client stays open; later calls throw STORAGE_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.off('ready', this.reloadScripts);
    await this.subscriber?.stop();
  }

  private createSubscriber(mode: 'configure' | 'verify'): KeyspaceSubscriber {
    return new KeyspaceSubscriber({
      connection: this.client.duplicate({ autoResubscribe: false, lazyConnect: true }),
      pattern: this.keys.keyspacePattern(this.client.options.db ?? 0),
      mode,
      onKeyEvent: (key, event) => this.cleanUp(key, event),
      onError: (error) => this.report(error),
    });
  }

  /** One cleanup call per notification; only the instance whose call removed the entry reports it. */
  private cleanUp(key: string, event: KeyEvent): void {
    const parsed = this.keys.parseValueKey(key);
    if (!parsed || this.closed) return;
    const { subject, sessionId } = parsed;
    this.run(subject, 'cleanup', [key, this.keys.indexKey(subject)], [sessionId, event === 'expired' ? EXPIRED_CODE : EVICTED_CODE]).catch(
      (e: unknown) => this.report(e),
    );
  }

  private async run(subject: string, script: ScriptName, keys: string[], args: (string | Buffer)[]): Promise<unknown> {
    let raw: unknown;
    try {
      raw = await this.runner.run(script, keys, args);
    } catch (error) {
      throw this.wrap(error);
    }
    const { result, ended, error } = parseReply(raw);
    if (ended.length > 0) {
      // Emitted after the caller's promise settles: a throwing listener cannot
      // turn a completed operation into a failed one.
      process.nextTick(() => {
        for (const e of ended) this.emit(e.reason, { subject, sessionId: e.sessionId } satisfies SessionEndedEvent);
      });
    }
    if (error) throw error;
    return result;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new UserSessionStorageError(ErrorCode.STORAGE_CLOSED, 'this storage was closed; create a new one with UserSessionRedisStorage.create()');
    }
  }

  private wrap(error: unknown): UserSessionStorageError {
    if (error instanceof UserSessionStorageError) return error;
    const text = error instanceof Error ? error.message : String(error);
    return new UserSessionStorageError(
      ErrorCode.REDIS_ERROR,
      `Redis failed: ${text}. Each operation is atomic: if the connection dropped it either happened entirely or not at all; read before retrying`,
      { cause: error },
    );
  }

  private report(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', this.wrap(error));
  }
}
