import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import { parseReply, type ScriptReply } from '../scripts/reply.js';
import type { ScriptRunner } from '../scripts/script-runner.js';
import type { Operation, OperationContext, SubjectInput } from './operation.js';

/** Rounds of NEED_KEYS a call on a cluster goes through before it gives up (each round means the subject gained a session). */
const MAX_KEY_ROUNDS = 32;

/**
 * Runs an operation's script; on a cluster, sends it again with the value
 * keys a NEED_KEYS reply asks for (a subject-wide script, when the subject
 * has sessions: see lua/includes/declared-keys.lua). The operation's own
 * keys stay first; the value keys follow them. Another call may add a
 * session between two rounds, so a subject busy enough to change on every
 * round ends the call with REDIS_ERROR after {@link MAX_KEY_ROUNDS}; nothing
 * was written. Rejects with what the runner rejects with, unwrapped.
 */
export async function runDeclaringKeys<Input extends SubjectInput, MetaData>(
  runner: ScriptRunner,
  operation: Operation<Input, unknown, MetaData>,
  input: Input,
  context: OperationContext<MetaData>,
  /** Counts the NEED_KEYS replies, for the call's diagnostics message. */
  rounds?: { needKeys: number },
): Promise<ScriptReply> {
  const { keys, args } = operation.encode(input, context);
  for (let round = 1, declared = keys; ; round++) {
    const reply = parseReply(await runner.run(operation, declared, args));
    if (!reply.needKeys) return reply;
    if (rounds) rounds.needKeys = round;
    if (round === MAX_KEY_ROUNDS) {
      throw new UserSessionStorageError(
        ErrorCode.REDIS_ERROR,
        `the subject's sessions changed during each of ${MAX_KEY_ROUNDS} attempts to declare their keys; nothing was written, retry`,
      );
    }
    declared = [...keys, ...reply.needKeys.map((id) => context.keys.valueKey(input.subject, id))];
    // Only concurrent calls on the same subject change it between rounds:
    // from the third round on, a random pause lets them finish first.
    if (round >= 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** Math.min(round, 7)));
  }
}
