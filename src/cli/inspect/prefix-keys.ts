import type { Redis } from 'ioredis';
import type { KeySchema } from '../../keys/key-schema.js';
import { scanKeys } from './scan-keys.js';

/**
 * Whether any key of the prefix exists on any of the servers. SCAN stops at
 * the first one; when there is none (a mistyped --prefix), it walks the
 * whole keyspace, in batches that never block the server.
 */
export async function prefixHasKeys(masters: readonly Redis[], keys: KeySchema): Promise<boolean> {
  for (const master of masters) {
    for await (const _batch of scanKeys(master, keys.scanPattern(), 1000)) return true;
  }
  return false;
}

/** What the CLI says when the prefix has no keys: most likely the wrong --prefix, or a store with no session yet. */
export function noKeysMessage(prefix: string, masters: number): string {
  const where = masters > 1 ? `on any of the ${masters} masters` : 'on the server';
  return (
    `no keys with prefix ${JSON.stringify(prefix)} found ${where}: check --prefix (the keyPrefix the storage was created with; ` +
    'default "sess") and --url. A storage that has never held a session has no keys yet'
  );
}
