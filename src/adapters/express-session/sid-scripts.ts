import { unexpectedReply } from '../../scripts/reply.js';
import type { ScriptContract } from '../../scripts/script-runner.js';
import type { StorageInternals } from '../../storage/internals.js';

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
export type SidEntry =
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
  async get(sessionId: string, mode: GetMode, slideIntervalMs = 0): Promise<SidEntry | undefined> {
    const { keys, indexGraceMs } = this.storage;
    const reply = await this.storage.runScript(
      expressGet,
      [keys.sidKey(sessionId)],
      [sessionId, mode, String(slideIntervalMs), String(indexGraceMs)],
    );
    const { result } = reply;
    if (result === null || result === undefined || result === false) return undefined;
    const parts = arrayOf(result);
    if (kindOf(parts[0]) === 'a' && Buffer.isBuffer(parts[1])) return { kind: 'anonymous', value: parts[1], slideTtl: ttlOf(parts[2]) };
    const pointer = this.pointerOf(parts);
    this.storage.reportEnded(pointer.subject, reply.ended);
    const value = parts[3];
    return { ...pointer, value: Buffer.isBuffer(value) ? value : undefined };
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
      [kind, String(slideTtl), payload, String(ttlSeconds * 1000), mode],
    );
    if (result === 1) return undefined;
    const parts = arrayOf(result);
    return parts.length === 1 && kindOf(parts[0]) === 'a' ? 'anonymous' : this.pointerOf(parts);
  }

  /** Extends the sid key if it holds `kind`: `false` when it does not (nothing written). */
  async touch(sessionId: string, kind: 'anonymous' | 'pointer', slideTtl: number, ttlSeconds: number): Promise<boolean> {
    const { keys } = this.storage;
    const { result } = await this.storage.runScript(
      expressTouchSid,
      [keys.sidKey(sessionId)],
      [kind === 'anonymous' ? 'a' : 'u', String(slideTtl), String(ttlSeconds * 1000)],
    );
    return result === 1;
  }

  /** Deletes the sid key; with `keep-pointer`, not a pointer, which is returned. */
  async delete(sessionId: string, mode: 'keep-pointer' | 'any'): Promise<Pointer | undefined> {
    const { keys } = this.storage;
    const { result } = await this.storage.runScript(expressDeleteSid, [keys.sidKey(sessionId)], [mode]);
    return typeof result === 'number' ? undefined : this.pointerOf(arrayOf(result));
  }

  private pointerOf(parts: unknown[]): Pointer {
    const indexKey = parts[1];
    const subject = Buffer.isBuffer(indexKey) ? this.storage.keys.parseIndexKey(indexKey.toString('utf8'))?.subject : undefined;
    if (kindOf(parts[0]) !== 'u' || subject === undefined) throw unexpectedReply('sid key entry', parts);
    return { kind: 'pointer', subject, slideTtl: ttlOf(parts[2]) };
  }
}

function arrayOf(result: unknown): unknown[] {
  if (!Array.isArray(result)) throw unexpectedReply('script result', result);
  return result as unknown[];
}

/** A slide ttl in a reply; the set and delete scripts do not send it (0). */
function ttlOf(part: unknown): number {
  return typeof part === 'number' ? part : 0;
}

function kindOf(part: unknown): string | undefined {
  return Buffer.isBuffer(part) ? part.toString('latin1') : undefined;
}
