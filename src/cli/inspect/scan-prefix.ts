import type { Redis } from 'ioredis';
import { KeySchema } from '../../keys/key-schema.js';

/** A key of the prefix, as the key schema reads it. */
export type PrefixKey =
  | { kind: 'index'; key: string; subject: string }
  | { kind: 'value'; key: string; subject: string; sessionId: string }
  | { kind: 'foreign'; key: string };

/**
 * Walks every key of a prefix with SCAN, one batch at a time, so memory stays
 * bounded and the server is never blocked (KEYS would block it for the whole
 * keyspace). SCAN may return a key twice and misses none that exist
 * throughout: callers must tolerate repeats. Keys are read as bytes: one
 * that is not valid UTF-8 was not written by the library, and is 'foreign'.
 */
export async function* scanPrefix(client: Redis, keys: KeySchema, count = 500): AsyncGenerator<PrefixKey[]> {
  let cursor = '0';
  do {
    const [next, found] = await client.scanBuffer(cursor, 'MATCH', keys.scanPattern(), 'COUNT', count);
    cursor = next.toString();
    if (found.length > 0) yield found.map((raw) => classify(raw, keys));
  } while (cursor !== '0');
}

function classify(raw: Buffer, keys: KeySchema): PrefixKey {
  const key = raw.toString('utf8');
  if (!Buffer.from(key, 'utf8').equals(raw)) return { kind: 'foreign', key };
  const index = keys.parseIndexKey(key);
  if (index) return { kind: 'index', key, subject: index.subject };
  const value = keys.parseValueKey(key);
  if (value) return { kind: 'value', key, ...value };
  return { kind: 'foreign', key };
}
