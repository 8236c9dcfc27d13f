import type { Redis } from 'ioredis';
import { scanKeys } from '../../src/cli/inspect/scan-keys.js';

/** Every key of one server matching a glob pattern, as text, once each (SCAN may repeat a key). */
export async function allKeys(client: Pick<Redis, 'scanBuffer'>, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  for await (const batch of scanKeys(client, pattern, 1000)) for (const key of batch) found.add(key.toString());
  return [...found];
}
