import type { Redis } from 'ioredis';

/**
 * Walks every key of one server matching a glob pattern with SCAN, one batch
 * at a time, so memory stays bounded and the server is never blocked (KEYS
 * would block it for the whole keyspace). SCAN may return a key twice and
 * misses none that exist throughout: callers must tolerate repeats. Keys
 * come as bytes, as stored; a cluster client must be given one master at a
 * time (SCAN sees one node only).
 */
export async function* scanKeys(client: Pick<Redis, 'scanBuffer'>, pattern: string, count = 500): AsyncGenerator<Buffer[]> {
  let cursor = '0';
  do {
    const [next, found] = await client.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next.toString();
    if (found.length > 0) yield found;
  } while (cursor !== '0');
}
