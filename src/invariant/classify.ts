import { KeySchema } from '../keys/key-schema.js';
import type { PrefixSnapshot, SubjectSnapshot } from './snapshot.js';

/**
 * Expiries the scripts write are the same recorded instant on both sides
 * (ZADD score, PXAT/PEXPIREAT), so they match to the ms; one ms of slack
 * absorbs the rounding of TIME's microseconds to ms.
 */
export const CLOCK_SLACK_MS = 1;

/**
 * One departure from the layout the scripts keep. `code` is the category
 * (the CLI's `check` shows it as is, so the codes are stable); `key` is the
 * key it concerns (for stale entries, the missing value's key).
 */
export type InvariantFinding =
  /** An index entry whose value is gone; `expired` when its recorded expiry has passed (its cleanup has not run yet), else the value vanished early (evicted, deleted from outside). */
  | { code: 'stale-entry'; key: string; subject: string; sessionId: string; recordedExpiry: number; expired: boolean }
  /** A value without entry in its subject's index: no session (reads fail closed and delete it). */
  | { code: 'orphan-value'; key: string; subject: string; sessionId: string }
  /** A value key without TTL. */
  | { code: 'value-without-ttl'; key: string }
  /** A live session whose value expires at another instant than its entry records (null: the value has no TTL). */
  | { code: 'value-expiry-mismatch'; key: string; valueExpiry: number | null; recordedExpiry: number }
  /** An index key without TTL. */
  | { code: 'index-without-ttl'; key: string }
  /** An index key that expires before its longest live session. */
  | { code: 'index-expires-early'; key: string; indexExpiry: number; longestSession: number }
  /** An index entry whose recorded expiry is not a whole number of ms. */
  | { code: 'bad-expiry'; key: string; sessionId: string; recorded: string }
  /** An index that is not a sorted set, or a value that is not a string. */
  | { code: 'wrong-type'; key: string; type: string }
  /** A key under the prefix outside the library's key layout. */
  | { code: 'foreign-key'; key: string };

/** Every category of finding, in the order the CLI reports them. */
export const INVARIANT_CODES = [
  'orphan-value',
  'stale-entry',
  'value-without-ttl',
  'value-expiry-mismatch',
  'index-without-ttl',
  'index-expires-early',
  'bad-expiry',
  'wrong-type',
  'foreign-key',
] as const satisfies readonly InvariantFinding['code'][];

/** The classifier's verdict on a snapshot. */
export interface InvariantVerdict {
  findings: InvariantFinding[];
  /** Index entries whose value the read saw: live sessions. */
  live: number;
}

/**
 * Judges a snapshot against the invariant the scripts keep: every index
 * entry has its value, which expires when the entry says; every value has
 * its entry; both have TTLs; an index outlives its sessions; nothing else
 * lives under the prefix. Pure: the same snapshot always gets the same
 * verdict, so readers differ only in how they read.
 */
export function classifyInvariant(snapshot: PrefixSnapshot): InvariantVerdict {
  const verdict: InvariantVerdict = { findings: [], live: 0 };
  const keys = new KeySchema(snapshot.prefix);
  for (const subject of snapshot.subjects) classifySubject(subject, snapshot.now, keys, verdict);
  for (const key of snapshot.foreignKeys) verdict.findings.push({ code: 'foreign-key', key });
  return verdict;
}

function classifySubject(snapshot: SubjectSnapshot, now: number, keys: KeySchema, verdict: InvariantVerdict): void {
  const { subject, index } = snapshot;
  const findings = verdict.findings;
  const values = new Map(snapshot.values.map((v) => [v.sessionId, v]));
  if (index && index.type !== 'zset') findings.push({ code: 'wrong-type', key: index.key, type: index.type });
  const entries = index?.type === 'zset' ? index.entries : undefined;
  let longestLive = 0;
  for (const [sessionId, recorded] of entries ?? []) {
    const recordedExpiry = Number(recorded);
    if (!Number.isSafeInteger(recordedExpiry)) {
      findings.push({ code: 'bad-expiry', key: index!.key, sessionId, recorded });
      continue;
    }
    const value = values.get(sessionId);
    if (!value) {
      // Not pruned yet: only an entry whose recorded expiry has passed is waiting for its cleanup.
      const key = keys.valueKey(subject, sessionId);
      findings.push({ code: 'stale-entry', key, subject, sessionId, recordedExpiry, expired: recordedExpiry <= now + CLOCK_SLACK_MS });
      continue;
    }
    if (value.type !== 'string') continue; // the value's wrong type is found below
    verdict.live += 1;
    longestLive = Math.max(longestLive, recordedExpiry);
    if (value.expiresAt === null || Math.abs(value.expiresAt - recordedExpiry) > CLOCK_SLACK_MS) {
      findings.push({ code: 'value-expiry-mismatch', key: value.key, valueExpiry: value.expiresAt, recordedExpiry });
    }
  }
  if (index && entries && !snapshot.partialIndex) {
    if (index.expiresAt === null) findings.push({ code: 'index-without-ttl', key: index.key });
    else if (index.expiresAt + CLOCK_SLACK_MS < longestLive) {
      findings.push({ code: 'index-expires-early', key: index.key, indexExpiry: index.expiresAt, longestSession: longestLive });
    }
  }
  for (const value of snapshot.values) {
    if (value.type !== 'string') {
      findings.push({ code: 'wrong-type', key: value.key, type: value.type });
      continue;
    }
    if (value.expiresAt === null) findings.push({ code: 'value-without-ttl', key: value.key });
    // An index of the wrong type says nothing about its entries: its own finding covers the subject.
    if (!index || (entries && !entries.has(value.sessionId))) {
      findings.push({ code: 'orphan-value', key: value.key, subject, sessionId: value.sessionId });
    }
  }
}
