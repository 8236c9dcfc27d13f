import type { Cluster, Redis } from 'ioredis';
import { classifyInvariant, INVARIANT_CODES, type InvariantFinding } from '../../invariant/classify.js';
import { serverTimeMs } from '../../invariant/server-time.js';
import type { IndexState, SubjectSnapshot, ValueState } from '../../invariant/snapshot.js';
import type { KeySchema } from '../../keys/key-schema.js';
import type { Target } from '../connection.js';
import type { Finding, Level } from '../findings.js';
import { noKeysMessage } from '../inspect/prefix-keys.js';
import { scanPrefix } from '../inspect/scan-prefix.js';

type Code = InvariantFinding['code'];

/** Each category of the classifier with its verdict for an operator and its explanation. */
const verdicts: Record<Code, { level: Level; explain: string }> = {
  'stale-entry': {
    level: 'warning',
    explain:
      'index entries point at sessions that have ended (expired or evicted) and were not pruned yet. Harmless: no read, count or limit ' +
      'sees them, and the next operation on the subject (or the index TTL) removes them; `user-sessions repair` removes them now',
  },
  'orphan-value': {
    level: 'problem',
    explain:
      "session values have no entry in their subject's index, so they are no session (reads fail closed and delete them) but hold memory " +
      'until their TTL. This happens when an index key was deleted or evicted from outside the library; `user-sessions repair` removes them',
  },
  'value-without-ttl': {
    level: 'problem',
    explain: 'session values have no TTL and would never expire; the library always sets one, so something else wrote them. Delete them or set a TTL',
  },
  'value-expiry-mismatch': {
    level: 'problem',
    explain:
      'session values expire at another instant than their index entry records; the library writes both with the same instant, ' +
      'so something else changed the TTL (EXPIRE or PERSIST from outside the library?). The next touch of the session sets both again',
  },
  'index-without-ttl': {
    level: 'problem',
    explain:
      'index keys have no TTL, so entries whose notification was missed would outlive their sessions; something else removed it (PERSIST?). Any insert or touch of the subject sets it again',
  },
  'index-expires-early': {
    level: 'problem',
    explain:
      'index keys expire before one of their live sessions, which would then end early (a session without index entry is no session). ' +
      'Something else shortened the TTL (EXPIRE from outside the library?)',
  },
  'wrong-type': {
    level: 'problem',
    explain:
      'keys have the wrong type (an index must be a sorted set, a value a string): another application writes under this prefix; give the storage its own keyPrefix',
  },
  'bad-expiry': {
    level: 'problem',
    explain: 'index entries record an expiry that is not a whole number of milliseconds: something other than the library wrote them',
  },
  'foreign-key': {
    level: 'warning',
    explain: "keys under the prefix are not in the library's key layout: another application uses this prefix; give the storage its own keyPrefix",
  },
};

const EXAMPLES = 3;

/** Keys per category (a key read twice, by SCAN or by two reads of its subject, counts once). */
class Tally {
  readonly keys = new Map<Code, Set<string>>();
  readonly subjects = new Set<string>();
  liveSessions = 0;
  /** Keys SCAN found under the prefix, repeats included: 0 means none exists. */
  scanned = 0;

  constructor(readonly keySchema: KeySchema) {}

  add(snapshot: SubjectSnapshot | undefined, now: number, countLive: boolean): void {
    if (!snapshot) return;
    const verdict = classifyInvariant({ prefix: this.keySchema.prefix, now, subjects: [snapshot], foreignKeys: [] });
    for (const finding of verdict.findings) this.addKey(finding.code, finding.key);
    if (countLive) this.liveSessions += verdict.live;
  }

  addKey(code: Code, key: string): void {
    let set = this.keys.get(code);
    if (!set) this.keys.set(code, (set = new Set()));
    set.add(key);
  }
}

/**
 * Verifies, key by key, what the scripts guarantee for a prefix (the
 * classifier in src/invariant judges): every index entry has its value (or
 * is a harmless stale one), every value has its entry, both have TTLs, and
 * an index outlives its sessions. Each read of a subject is one MULTI (its
 * keys share a slot), so a live insert or delete running meanwhile is never
 * mistaken for a problem. SCAN visits every master; the reads go through
 * the target's client, to the master of the subject's slot.
 */
export async function checkIndexInvariant(target: Target, keys: KeySchema): Promise<Finding[]> {
  const { client } = target;
  const tally = new Tally(keys);
  for (const master of target.masters) {
    for await (const batch of scanPrefix(master, keys)) {
      tally.scanned += batch.length;
      await Promise.all(
        batch.map(async (k) => {
          if (k.kind === 'index') await readIndex(client, keys, k.key, k.subject, tally);
          else if (k.kind === 'value') await readValue(client, keys, k.key, k.subject, k.sessionId, tally);
          // A rotated id's marker (lua/includes/reuse.lua) is neither: written with a TTL, it expires by itself.
          else if (k.kind !== 'marker') tally.addKey('foreign-key', k.key);
        }),
      );
    }
  }
  return toFindings(tally, keys.prefix, target.masters.length);
}

/** The index and the values of the entries it had a moment before: one MULTI. */
async function readIndex(client: Redis | Cluster, keys: KeySchema, key: string, subject: string, tally: Tally): Promise<void> {
  const found = await client.type(key);
  if (found === 'none') return;
  // The ids first, to know which value keys the MULTI must read with the index.
  const ids = found === 'zset' ? await client.zrange(key, '0', '-1') : [];
  const tx = client.multi().time().type(key).pexpiretime(key).zrange(key, '0', '-1', 'WITHSCORES');
  for (const id of ids) tx.type(keys.valueKey(subject, id)).pexpiretime(keys.valueKey(subject, id));
  const replies = await tx.exec();
  if (!replies) return;
  const reply = (i: number): unknown => replies[i]?.[1];
  const type = reply(1) as string;
  if (type === 'none') return;
  const recorded = new Map<string, string>();
  const flat = type === 'zset' ? (reply(3) as string[]) : [];
  for (let i = 0; i < flat.length; i += 2) recorded.set(flat[i]!, String(flat[i + 1]));
  // Entries added between ZRANGE and MULTI had no value read: left to the next check.
  const entries = new Map<string, string>();
  const values: ValueState[] = [];
  ids.forEach((sessionId, i) => {
    const score = recorded.get(sessionId);
    if (score === undefined) return; // removed meanwhile: an operation ran, nothing to judge
    entries.set(sessionId, score);
    const valueType = reply(4 + 2 * i) as string;
    if (valueType !== 'none') values.push(keyState(keys.valueKey(subject, sessionId), valueType, reply(5 + 2 * i), { sessionId }));
  });
  if (type === 'zset') tally.subjects.add(subject);
  const index: IndexState = keyState(key, type, reply(2), { entries });
  tally.add({ subject, index, values }, serverTimeMs(reply(0) as [string, string]), true);
}

/** A value with its own entry and its index's type and TTL: one MULTI. */
async function readValue(client: Redis | Cluster, keys: KeySchema, key: string, subject: string, sessionId: string, tally: Tally): Promise<void> {
  const indexKey = keys.indexKey(subject);
  const replies = await client.multi().time().type(key).pexpiretime(key).type(indexKey).pexpiretime(indexKey).zscore(indexKey, sessionId).exec();
  if (!replies) return;
  const [time, type, expireTime, indexType, indexExpireTime, score] = replies.map(([, reply]) => reply) as [
    [string, string],
    string,
    number,
    string,
    number,
    string | number | null | undefined,
  ];
  if (type === 'none') return;
  const entries = new Map<string, string>();
  // ZSCORE of an index of the wrong type fails: undefined, no entry read.
  if (score !== null && score !== undefined) entries.set(sessionId, String(score));
  const index = indexType === 'none' ? undefined : keyState(indexKey, indexType, indexExpireTime, { entries });
  const value = keyState(key, type, expireTime, { sessionId });
  // Live sessions are counted by the reads of their index: not again here.
  tally.add({ subject, index, partialIndex: true, values: [value] }, serverTimeMs(time), false);
}

/** A key as the snapshot states it; PEXPIRETIME -1 means no TTL. */
function keyState<T extends object>(
  key: string,
  type: string,
  expireTime: unknown,
  extra: T,
): { key: string; type: string; expiresAt: number | null } & T {
  const expiresAt = Number(expireTime);
  return { key, type, expiresAt: expiresAt === -1 ? null : expiresAt, ...extra };
}

function toFindings(tally: Tally, prefix: string, masters: number): Finding[] {
  if (tally.scanned === 0) {
    return [{ code: 'no-keys', check: 'index invariant', level: 'problem', detail: noKeysMessage(prefix, masters) }];
  }
  const findings: Finding[] = [];
  for (const code of INVARIANT_CODES) {
    const found = tally.keys.get(code);
    if (!found) continue;
    const examples = [...found].slice(0, EXAMPLES).map((k) => JSON.stringify(k));
    const more = found.size > EXAMPLES ? `, and ${found.size - EXAMPLES} more` : '';
    findings.push({
      code,
      check: 'index invariant',
      level: verdicts[code].level,
      detail: `${found.size} ${verdicts[code].explain} (${examples.join(', ')}${more})`,
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
