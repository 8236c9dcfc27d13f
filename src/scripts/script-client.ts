import type { Cluster, Redis } from 'ioredis';
import { sendTracked } from './tracked-command.js';

/** What the script runner and loader send through: SCRIPT LOAD with `call`, every operation with `evalsha`. */
export interface ScriptClient {
  /** A command with a string reply (SCRIPT LOAD). */
  call: (command: string, ...args: (string | number)[]) => Promise<unknown>;
  /** EVALSHA with Buffer replies (values are binary). */
  evalsha(sha: string, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown>;
}

/**
 * The connection as the runner's ScriptClient. Every command is tracked
 * (src/scripts/tracked-command.ts): answered by Redis, or failed saying
 * whether it may have run, and never run again behind its caller's back.
 *
 * EVALSHA goes straight into the connection's command queue (in a
 * cluster: to the node of the keys' slot), past ioredis's auto-pipelining,
 * whatever the caller enabled. ioredis keeps only one auto-pipelined batch
 * in flight per node and waits for all of its replies before writing the
 * next, so client and server take turns instead of working at once. That
 * costs little for commands the server runs in under a microsecond, but a
 * script takes a few (docs/performance.md has the figures). Sent directly,
 * commands still share one socket and their replies arrive in order.
 */
export function scriptClientOf(connection: Redis | Cluster): ScriptClient {
  return {
    call: (command, ...args) => sendTracked(connection, command, args, 'utf8'),
    evalsha: (sha, keys, args) => sendTracked(connection, 'evalsha', [sha, keys.length, ...keys, ...args], null),
  };
}
