import type { Redis } from 'ioredis';

/** INFO <section> as a field -> value map. */
export async function info(admin: Redis, section: string): Promise<Map<string, string>> {
  const text = await admin.info(section);
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export async function usedMemory(admin: Redis): Promise<number> {
  return Number((await info(admin, 'memory')).get('used_memory'));
}

/** Requests the server has read from all clients (one per round trip of a sequential client). */
export async function readsProcessed(admin: Redis): Promise<number> {
  return Number((await info(admin, 'stats')).get('total_reads_processed'));
}

/** calls and usec per command from one INFO commandstats. */
export async function commandStats(admin: Redis): Promise<{ calls: Map<string, number>; usec: Map<string, number> }> {
  const fields = await info(admin, 'commandstats');
  return { calls: statOf(fields, 'calls'), usec: statOf(fields, 'usec') };
}

function statOf(fields: Map<string, string>, stat: 'calls' | 'usec'): Map<string, number> {
  const values = new Map<string, number>();
  const pattern = new RegExp(`(?:^|,)${stat}=(\\d+)`);
  for (const [field, value] of fields) {
    const match = pattern.exec(value);
    if (match) values.set(field.replace(/^cmdstat_/, ''), Number(match[1]));
  }
  return values;
}

/** What grew between two readings of a per-command statistic (calls or usec), by command. */
export function statDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [command, n] of after) {
    const d = n - (before.get(command) ?? 0);
    if (d > 0) delta[command] = d;
  }
  return delta;
}
