import type { Codec } from '../codec/codec.js';
import type { ValueFormat } from '../codec/value-format.js';
import type { KeySchema } from '../keys/key-schema.js';
import type { EndedSession, ScriptReply } from '../scripts/reply.js';
import type { ScriptContract } from '../scripts/script-runner.js';

/**
 * The key of {@link StorageInternals} on a storage. Not exported from the
 * package's entry point: the adapters shipped with the library (src/adapters)
 * run their own scripts on the storage's connection through it, so that a
 * framework's request costs one round trip where the public API would take two.
 */
export const storageInternals: unique symbol = Symbol('user-session-redis-storage internals');

/** What an adapter of this library may use of a storage. */
export interface StorageInternals<MetaData> {
  readonly keys: KeySchema;
  readonly format: ValueFormat<MetaData>;
  /** The codec `format` frames (the storage's `codec` option). */
  readonly codec: Codec<MetaData>;
  /** Whether scripts may touch only the keys they declare (Redis Cluster): then no script reaches from one slot into another. */
  readonly declaresKeys: boolean;
  /** How long a subject's index outlives its longest session, in ms. */
  readonly indexGraceMs: number;
  /**
   * Runs one of the library's scripts on the storage's own connection, as
   * every operation runs (preloaded, NOSCRIPT reloaded). Rejects like the
   * public methods: STORAGE_CLOSED, REDIS_ERROR; a result code's error is
   * left in the reply.
   */
  runScript(contract: ScriptContract, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<ScriptReply>;
  /** Reports sessions of `subject` a script ended, as the public methods do (events). */
  reportEnded(subject: string, ended: EndedSession[]): void;
}
