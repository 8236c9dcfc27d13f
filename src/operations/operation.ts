import type { ValueFormat } from '../codec/value-format.js';
import type { KeySchema } from '../keys/key-schema.js';
import type { luaScripts, ScriptName } from '../scripts/lua.generated.js';
import type { ScriptContract } from '../scripts/script-runner.js';
import type { ResolvedOptions } from '../storage/options.js';
import type { EndedSession } from '../scripts/reply.js';

/** What an operation's encoding and decoding may use of the storage it runs for. */
export interface OperationContext<MetaData> {
  keys: KeySchema;
  format: ValueFormat<MetaData>;
  settings: ResolvedOptions;
  /** Whether scripts may touch only the keys they declare (Redis Cluster; see Deployment). */
  declaresKeys: boolean;
  /** What a reuse of an id this storage rotates will revoke, as rotate-3.lua records it in the marker. */
  reuseRevokes: 'f' | 's' | 'r';
}

/** Every operation is on one subject: its keys share the subject's hash slot. */
export interface SubjectInput {
  subject: string;
}

/** A script's KEYS and ARGV. */
export interface ScriptCall {
  keys: string[];
  args: (string | Buffer)[];
}

/**
 * One operation, defined once (node-redis's command shape): the script it
 * runs, the KEYS that script takes, how the input becomes KEYS and ARGV, and
 * how the script's result becomes the typed value the caller gets. The
 * input is validated before (the facade); the result codes and ended
 * sessions common to every script are read by src/scripts/reply.ts, and
 * `decode` gets the result only when it is no error.
 */
export interface Operation<Input extends SubjectInput, Result, MetaData = unknown> extends ScriptContract {
  /**
   * It may delete session values and reports them as `'deleted'`: the
   * storage then skips the cleanup of their `del` notifications (OwnDeletes).
   */
  readonly deletesValues?: boolean;
  /**
   * The sessions a bare reply (a result alone: src/scripts/reply.ts) means
   * were ended: `delete` and `rotate` end the session they were given
   * without naming it back, which spares Redis a reply table.
   */
  impliedEnded?(input: Input, result: unknown): EndedSession[];
  encode(input: Input, context: OperationContext<MetaData>): ScriptCall;
  decode(result: unknown, context: OperationContext<MetaData>): Result;
}

/** The number of KEYS in a script's file name (`insert-2.lua`: 2). */
type FixedKeysOf<S extends ScriptName> = (typeof luaScripts)[S]['numberOfKeys'];

/**
 * An operation whose `keys.fixed` is the number in its script's file name:
 * another number does not compile.
 */
export function defineOperation<S extends ScriptName, Input extends SubjectInput, Result, MetaData = unknown>(
  operation: Operation<Input, Result, MetaData> & { script: S; keys: { fixed: FixedKeysOf<S> } },
): Operation<Input, Result, MetaData> {
  return operation;
}
