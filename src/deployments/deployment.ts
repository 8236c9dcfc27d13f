import { randomUUID } from 'node:crypto';
import type { KeySchema } from '../keys/key-schema.js';
import type { ScriptClient } from '../scripts/script-client.js';
import type { ScriptLoader } from '../scripts/script-loader.js';
import type { KeyEventHandlers, Subscriber } from '../subscriber/subscriber.js';

/**
 * What differs between one Redis server and a Redis Cluster, decided once
 * here so the storage itself has no cluster branches: where scripts are
 * loaded, and how many connections listen for keyspace events.
 */
export interface Deployment {
  /** What the script runner sends EVALSHA through: the storage's own connection. */
  scriptClient: ScriptClient;
  /**
   * Whether scripts may touch only the keys they declare. Redis Cluster
   * needs it to route and to refuse correctly while a slot migrates; on one
   * server every key is local, and subject-wide scripts find the value keys
   * themselves, in one round trip instead of two.
   */
  declaresKeys: boolean;
  scriptLoader(onError: (error: unknown) => void): ScriptLoader;
  subscriber(handlers: KeyEventHandlers): Subscriber;
  /** Connects the storage's own connection; rejects if Redis cannot be reached. */
  open(): Promise<void>;
  /** Closes the storage's own connection: what is still in flight fails with REDIS_ERROR. */
  close(): void;
}

/**
 * A key of the storage's prefix that is no session's: its subject is empty,
 * which no session has (validate.ts), so KeySchema.parseValueKey refuses it
 * and no instance runs a cleanup for its notifications. Random, so that
 * concurrent probes of several instances never share a key.
 */
export function probeKey(keys: KeySchema): string {
  return keys.valueKey('', `probe:${randomUUID()}`);
}
