import type { Redis } from 'ioredis';
import { KeySchema } from '../../keys/key-schema.js';
import { scanKeys } from './scan-keys.js';

/** A key of the prefix, as the key schema reads it. */
export type PrefixKey =
  | { kind: 'index'; key: string; subject: string }
  | { kind: 'value'; key: string; subject: string; sessionId: string }
  | { kind: 'marker'; key: string; subject: string; sessionId: string }
  | { kind: 'foreign'; key: string };

/**
 * Every key of a prefix, one SCAN batch at a time (scan-keys.ts: repeats
 * possible). Keys are read as bytes: one that is not valid UTF-8 was not
 * written by the library, and is 'foreign'.
 */
export async function* scanPrefix(client: Redis, keys: KeySchema, count = 500): AsyncGenerator<PrefixKey[]> {
  for await (const found of scanKeys(client, keys.scanPattern(), count)) yield found.map((raw) => classify(raw, keys));
}

function classify(raw: Buffer, keys: KeySchema): PrefixKey {
  const key = raw.toString('utf8');
  if (!Buffer.from(key, 'utf8').equals(raw)) return { kind: 'foreign', key };
  const index = keys.parseIndexKey(key);
  if (index) return { kind: 'index', key, subject: index.subject };
  const value = keys.parseValueKey(key);
  if (value) return { kind: 'value', key, ...value };
  const marker = keys.parseMarkerKey(key);
  if (marker) return { kind: 'marker', key, ...marker };
  return { kind: 'foreign', key };
}
