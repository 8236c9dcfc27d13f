import { unexpectedReply } from '../../scripts/reply.js';
import type { ScriptContract } from '../../scripts/script-runner.js';
import type { StorageInternals } from '../../storage/internals.js';
import { parseReadReply, parseSidEntry, slideTtlField, type SidEntry } from './sid-entry.js';

/**
 * The adapter's four scripts on a sid key (lua/express-*.lua), each call
 * encoded and its reply decoded here, so that the store speaks in sessions
 * and pointers, never in Redis replies.
 */

const expressGet: ScriptContract = { script: 'expressGet', keys: { fixed: 1 } };
const expressSetSid: ScriptContract = { script: 'expressSetSid', keys: { fixed: 1 } };
const expressTouchSid: ScriptContract = { script: 'expressTouchSid', keys: { fixed: 1 } };
const expressDeleteSid: ScriptContract = { script: 'expressDeleteSid', keys: { fixed: 1 } };

/** The subject a sid key points to (a logged-in session). */
export interface Pointer {
  kind: 'pointer';
  subject: string;
  /** What a read slides the session by, in seconds (0: a fixed expiry). */
  slideTtl: number;
}

/** What a sid key holds, as `get` found it. */
export type FoundSession =
  | { kind: 'anonymous'; value: Buffer; slideTtl: number }
  /** `value`: the live session's, read (and slid) in the same script on one server; undefined when the storage must be asked. */
  | (Pointer & { value: Buffer | undefined });

export type GetMode = 'read' | 'sid' | 'peek';

export class SidScripts {
  constructor(private readonly storage: StorageInternals<unknown>) {}

  /**
   * The sid key's entry; in mode 'read' (one server) with the live
   * logged-in session's value, slid unless it was slid less than
   * `slideIntervalMs` ago.
   */
  async get(sessionId: string, mode: GetMode, slideIntervalMs = 0): Promise<FoundSession | undefined> {
    const { keys, indexGraceMs } = this.storage;
    const reply = await this.storage.runScript(
      expressGet,
      [keys.sidKey(sessionId)],
      [sessionId, mode, String(slideIntervalMs), String(indexGraceMs)],
    );
    const { result } = reply;
    if (result === null || result === undefined || result === false) return undefined;
    if (!Buffer.isBuffer(result)) throw unexpectedReply('sid key entry', result);
    const { entry, value } = result[0] === 0x72 ? parseReadReply(result) : { entry: parseSidEntry(result), value: undefined };
    if (entry.kind === 'anonymous') return entry;
    const pointer = this.pointerOf(entry);
    this.storage.reportEnded(pointer.subject, reply.ended);
    return { ...pointer, value };
  }

  /**
   * Writes the sid key, and returns `undefined`; or writes nothing and
   * returns what it holds: with `keep-pointer` a pointer, with `if-absent`
   * a pointer or `'anonymous'`.
   */
  async set(
    sessionId: string,
    entry: { anonymous: Buffer } | { subject: string },
    slideTtl: number,
    ttlSeconds: number,
    mode: 'keep-pointer' | 'if-absent' | 'replace',
  ): Promise<Pointer | 'anonymous' | undefined> {
    const { keys } = this.storage;
    const [kind, payload] = 'anonymous' in entry ? ['a', entry.anonymous] : ['u', keys.indexKey(entry.subject)];
    const { result } = await this.storage.runScript(
      expressSetSid,
      [keys.sidKey(sessionId)],
      [kind, slideTtlField(slideTtl), payload, String(ttlSeconds * 1000), mode],
    );
    if (result === 1) return undefined;
    const found = this.entryOf(result);
    return found.kind === 'anonymous' ? 'anonymous' : this.pointerOf(found);
  }

  /** Extends the sid key if it holds `kind`: `false` when it does not (nothing written). */
  async touch(sessionId: string, kind: 'anonymous' | 'pointer', slideTtl: number, ttlSeconds: number): Promise<boolean> {
    const { keys } = this.storage;
    const { result } = await this.storage.runScript(
      expressTouchSid,
      [keys.sidKey(sessionId)],
      [kind === 'anonymous' ? 'a' : 'u', slideTtlField(slideTtl), String(ttlSeconds * 1000)],
    );
    return result === 1;
  }

  /** Deletes the sid key; with `keep-pointer`, not a pointer, which is returned. */
  async delete(sessionId: string, mode: 'keep-pointer' | 'any'): Promise<Pointer | undefined> {
    const { keys } = this.storage;
    const { result } = await this.storage.runScript(expressDeleteSid, [keys.sidKey(sessionId)], [mode]);
    if (typeof result === 'number') return undefined;
    const found = this.entryOf(result);
    if (found.kind !== 'pointer') throw unexpectedReply('sid key entry', result);
    return this.pointerOf(found);
  }

  private entryOf(result: unknown): SidEntry {
    if (!Buffer.isBuffer(result)) throw unexpectedReply('sid key entry', result);
    return parseSidEntry(result);
  }

  private pointerOf(entry: SidEntry & { kind: 'pointer' }): Pointer {
    const subject = this.storage.keys.parseIndexKey(entry.indexKey)?.subject;
    if (subject === undefined) throw unexpectedReply('sid key pointer', entry.indexKey);
    return { kind: 'pointer', subject, slideTtl: entry.slideTtl };
  }
}
