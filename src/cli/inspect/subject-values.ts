import type { Cluster, Redis } from 'ioredis';
import type { KeySchema } from '../../keys/key-schema.js';
import { CliError } from '../connection.js';

/** A live session as stored: its id, the expiry its index entry records, its value's bytes. */
export interface StoredSession {
  sessionId: string;
  expiresAt: number;
  value: Buffer;
}

/**
 * A subject's live sessions as stored, soonest to expire first, read
 * without decoding, so that values no codec at hand decodes are still
 * listed. Live as readAll judges it: an index entry whose value exists.
 * The index and the values are read in one MULTI (the subject's keys share
 * a slot), so a concurrent insert or delete is seen entirely or not at all.
 */
export async function readSubjectValues(client: Redis | Cluster, keys: KeySchema, subject: string): Promise<StoredSession[]> {
  const indexKey = keys.indexKey(subject);
  const type = await client.type(indexKey);
  if (type === 'none') return [];
  if (type !== 'zset') {
    throw new CliError(
      `${JSON.stringify(indexKey)} is a ${type}, not a sorted set: another application writes under this prefix (see \`user-sessions check\`)`,
    );
  }
  // The ids first, to know which values the MULTI must read with the index.
  const ids = await client.zrange(indexKey, '0', '-1');
  const tx = client.multi().zrange(indexKey, '0', '-1', 'WITHSCORES');
  for (const id of ids) tx.getBuffer(keys.valueKey(subject, id));
  const replies = (await tx.exec()) ?? [];
  const flat = (replies[0]?.[1] ?? []) as string[];
  const recorded = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2) recorded.set(flat[i]!, Number(flat[i + 1]));
  const sessions: StoredSession[] = [];
  ids.forEach((sessionId, i) => {
    const expiresAt = recorded.get(sessionId);
    const value = replies[i + 1]?.[1];
    // An entry removed meanwhile, or a value gone (a stale entry): no session.
    if (expiresAt !== undefined && Buffer.isBuffer(value)) sessions.push({ sessionId, expiresAt, value });
  });
  return sessions.sort((a, b) => a.expiresAt - b.expiresAt);
}
