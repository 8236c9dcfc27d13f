import type { Redis } from 'ioredis';
import type { KeySchema } from '../../keys/key-schema.js';
import type { Finding, Level } from '../findings.js';
import { scanPrefix } from '../inspect/scan-prefix.js';

/** Kinds of departure from the layout the scripts keep, each with its verdict and explanation. */
const kinds = {
  staleEntry: {
    level: 'warning',
    explain:
      'index entries point at sessions that have ended (expired or evicted) and were not pruned yet. Harmless: no read, count or limit ' +
      'sees them, and the next operation on the subject (or the index TTL) removes them; `user-sessions repair` removes them now',
  },
  orphanValue: {
    level: 'problem',
    explain:
      "session values have no entry in their subject's index, so they are no session (reads fail closed and delete them) but hold memory " +
      'until their TTL. This happens when an index key was deleted or evicted from outside the library; `user-sessions repair` removes them',
  },
  valueWithoutTtl: {
    level: 'problem',
    explain: 'session values have no TTL and would never expire; the library always sets one, so something else wrote them. Delete them or set a TTL',
  },
  indexWithoutTtl: {
    level: 'problem',
    explain:
      'index keys have no TTL, so entries whose notification was missed would outlive their sessions; something else removed it (PERSIST?). Any insert or touch of the subject sets it again',
  },
  indexExpiresEarly: {
    level: 'problem',
    explain:
      'index keys expire before one of their live sessions, which would then end early (a session without index entry is no session). ' +
      'Something else shortened the TTL (EXPIRE from outside the library?)',
  },
  wrongType: {
    level: 'problem',
    explain:
      'keys have the wrong type (an index must be a sorted set, a value a string): another application writes under this prefix; give the storage its own keyPrefix',
  },
  badExpiry: {
    level: 'problem',
    explain: 'index entries record an expiry that is not a whole number of milliseconds: something other than the library wrote them',
  },
  foreignKey: {
    level: 'warning',
    explain: "keys under the prefix are not in the library's key layout: another application uses this prefix; give the storage its own keyPrefix",
  },
} satisfies Record<string, { level: Level; explain: string }>;

type Kind = keyof typeof kinds;
const EXAMPLES = 3;

class Tally {
  readonly keys = new Map<Kind, Set<string>>();
  subjects = new Set<string>();
  liveSessions = 0;

  add(kind: Kind, key: string): void {
    let set = this.keys.get(kind);
    if (!set) this.keys.set(kind, (set = new Set()));
    set.add(key);
  }
}

/**
 * Verifies, key by key, what the scripts guarantee for a prefix: every index
 * entry has its value (or is a harmless stale one), every value has its
 * entry, both have TTLs, and an index outlives its sessions. Each subject is
 * read in one MULTI (its keys share a slot), so a live insert or delete
 * running meanwhile is never mistaken for a problem.
 */
export async function checkIndexInvariant(client: Redis, keys: KeySchema): Promise<Finding[]> {
  const tally = new Tally();
  for await (const batch of scanPrefix(client, keys)) {
    await Promise.all(
      batch.map(async (k) => {
        if (k.kind === 'index') await inspectIndex(client, keys, k.key, k.subject, tally);
        else if (k.kind === 'value') await inspectValue(client, keys, k.key, k.subject, k.sessionId, tally);
        else tally.add('foreignKey', k.key);
      }),
    );
  }
  return toFindings(tally, keys.prefix);
}

async function inspectIndex(client: Redis, keys: KeySchema, key: string, subject: string, tally: Tally): Promise<void> {
  const found = await client.type(key);
  if (found === 'none') return;
  if (found !== 'zset') return tally.add('wrongType', key);
  const ids = await client.zrange(key, '0', '-1');
  const tx = client.multi().time().type(key).pttl(key).zrange(key, '0', '-1', 'WITHSCORES');
  for (const id of ids) tx.exists(keys.valueKey(subject, id));
  const replies = await tx.exec();
  if (!replies) return;
  const [time, type, pttl, flat] = replies.slice(0, 4).map(([, reply]) => reply) as [[string, string], string, number, string[]];
  if (type === 'none') return;
  if (type !== 'zset') return tally.add('wrongType', key);
  const entries = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) entries.set(flat[i]!, flat[i + 1]!);
  tally.subjects.add(subject);
  const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  let longestLive = 0;
  ids.forEach((id, i) => {
    const recorded = entries.get(id);
    // Removed between ZRANGE and MULTI: an operation ran; nothing to judge.
    if (recorded === undefined) return;
    const expiresAt = Number(recorded);
    if (!Number.isSafeInteger(expiresAt)) return tally.add('badExpiry', key);
    if (replies[4 + i]?.[1] === 0) return tally.add('staleEntry', keys.valueKey(subject, id));
    tally.liveSessions += 1;
    longestLive = Math.max(longestLive, expiresAt);
  });
  if (pttl === -1) tally.add('indexWithoutTtl', key);
  else if (pttl >= 0 && nowMs + pttl < longestLive) tally.add('indexExpiresEarly', key);
}

async function inspectValue(client: Redis, keys: KeySchema, key: string, subject: string, sessionId: string, tally: Tally): Promise<void> {
  const replies = await client.multi().type(key).pttl(key).zscore(keys.indexKey(subject), sessionId).exec();
  if (!replies) return;
  const [type, pttl, indexed] = replies.map(([, reply]) => reply) as [string, number, string | null];
  if (type === 'none') return;
  if (type !== 'string') return tally.add('wrongType', key);
  if (pttl === -1) tally.add('valueWithoutTtl', key);
  if (indexed === null) tally.add('orphanValue', key);
}

function toFindings(tally: Tally, prefix: string): Finding[] {
  const findings: Finding[] = [];
  for (const [kind, found] of tally.keys) {
    const examples = [...found].slice(0, EXAMPLES).map((k) => JSON.stringify(k));
    const more = found.size > EXAMPLES ? `, and ${found.size - EXAMPLES} more` : '';
    findings.push({
      code: kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
      check: 'index invariant',
      level: kinds[kind].level,
      detail: `${found.size} ${kinds[kind].explain} (${examples.join(', ')}${more})`,
    });
  }
  if (!findings.some((f) => f.level === 'problem')) {
    findings.unshift({
      code: 'index-invariant',
      check: 'index invariant',
      level: 'ok',
      detail: `prefix ${JSON.stringify(prefix)}: ${tally.subjects.size} subjects, ${tally.liveSessions} live sessions, every value indexed and every key with its TTL`,
    });
  }
  return findings;
}
