import type { ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { classifyInvariant, type InvariantFinding } from '../../src/invariant/classify.js';
import { serverTimeMs } from '../../src/invariant/server-time.js';
import type { IndexState, PrefixSnapshot, ValueState } from '../../src/invariant/snapshot.js';
import { escapeGlob, KeySchema } from '../../src/keys/key-schema.js';
import { waitFor } from './wait.js';

/**
 * The storage's invariant, checked on one atomic snapshot of every key of a
 * prefix (one EVAL: no operation, expiry or cleanup can interleave with it,
 * because Redis freezes key expiry for the length of a script), judged by
 * the same classifier as the CLI's `check` (src/invariant/classify.ts):
 *
 *   1. every live value key has its entry in its subject's index;
 *   2. every index entry has its live value key, and the value's TTL ends
 *      when the entry says it does (±CLOCK_SLACK_MS);
 *   3. every index and value key has a TTL, and an index lives at least as
 *      long as its longest live session;
 *   4. no key of the prefix is anything but an index or a value.
 *
 * Between a value's expiry and its cleanup (the keyspace notification, or
 * the next operation on the subject) its index entry legitimately points at
 * nothing for a moment. Decision: an entry whose value is gone (a stale
 * entry) is tolerated ("pending cleanup") only if its RECORDED expiry has
 * passed by the server clock of the snapshot; an entry whose value vanished
 * before its recorded expiry (evicted, deleted from outside) is a violation
 * unless the caller prunes first (`count()`/`readAll()` of the subject).
 * Every other finding of the classifier is a violation, including those the
 * CLI only warns about (foreign keys). After everything has ended, use
 * `assertNothingRemains`, which tolerates nothing.
 */
export interface InvariantReport {
  /** Sessions with both value and index entry. */
  live: number;
  /** Index entries whose value expired and whose cleanup has not run yet. */
  pendingCleanup: number;
  /** Value keys without index entry (fail closed: not a session; listed so a test can check they are unreadable). */
  orphanValues: { subject: string; sessionId: string }[];
  /** Index entries whose value vanished before its recorded expiry. */
  vanishedEarly: { subject: string; sessionId: string }[];
  /** Everything that breaks the invariant (orphans and vanished-early entries included). */
  violations: string[];
  /** Every key of the prefix. */
  keys: number;
}

// KEYS inside a script: the whole scan is one atomic snapshot. Test-only.
// PEXPIRETIME (absolute) rather than PTTL: PTTL counts from the clock at each
// call, which moves while a large snapshot runs.
const SNAPSHOT_LUA = `
local t = redis.call("TIME")
local out = { t[1], t[2] }
for _, key in ipairs(redis.call("KEYS", ARGV[1])) do
  local kind = redis.call("TYPE", key)["ok"]
  local fields = {}
  if kind == "zset" then fields = redis.call("ZRANGE", key, 0, -1, "WITHSCORES") end
  out[#out + 1] = { key, redis.call("PEXPIRETIME", key), kind, fields }
end
return out
`;

type SnapshotEntry = [key: string, expireTime: number, type: string, fields: string[]];

/** Every key of the prefix, grouped by subject as the classifier reads it. */
function toSnapshot(prefix: string, now: number, entries: SnapshotEntry[]): PrefixSnapshot {
  const schema = new KeySchema(prefix);
  const subjects = new Map<string, { subject: string; index: IndexState | undefined; values: ValueState[] }>();
  const subjectOf = (subject: string) => {
    let found = subjects.get(subject);
    if (!found) subjects.set(subject, (found = { subject, index: undefined, values: [] }));
    return found;
  };
  const foreignKeys: string[] = [];
  for (const [key, expireTime, type, fields] of entries) {
    const expiresAt = expireTime === -1 ? null : expireTime;
    const index = schema.parseIndexKey(key);
    const value = schema.parseValueKey(key);
    if (index) {
      const recorded = new Map<string, string>();
      for (let i = 0; i < fields.length; i += 2) recorded.set(fields[i]!, String(fields[i + 1]));
      subjectOf(index.subject).index = { key, type, expiresAt, entries: recorded };
    } else if (value) {
      subjectOf(value.subject).values.push({ key, type, expiresAt, sessionId: value.sessionId });
    } else if (schema.parseMarkerKey(key) && type === 'string' && expiresAt !== null) {
      // A rotated id's marker (reuse detection): the library's, and it expires by itself.
    } else {
      foreignKeys.push(key);
    }
  }
  return { prefix, now, subjects: [...subjects.values()], foreignKeys };
}

/** One line per finding, for a test's failure message. */
function describe(finding: InvariantFinding, now: number): string {
  const key = JSON.stringify(finding.key);
  switch (finding.code) {
    case 'stale-entry':
      return `index entry without value, ${finding.recordedExpiry - now} ms before its expiry: ${key}`;
    case 'value-expiry-mismatch':
      return `value ${key} expires ${finding.valueExpiry === null ? 'never' : `in ${finding.valueExpiry - now} ms`} but its index entry says ${finding.recordedExpiry - now} ms`;
    case 'index-expires-early':
      return `index ${key} expires ${finding.longestSession - finding.indexExpiry} ms before its longest session`;
    case 'bad-expiry':
      return `index ${key} records expiry ${JSON.stringify(finding.recorded)} for ${JSON.stringify(finding.sessionId)}`;
    case 'wrong-type':
      return `${finding.code}: ${key} (${finding.type})`;
    default:
      return `${finding.code}: ${key}`;
  }
}

export async function checkInvariant(redis: Redis, prefix: string): Promise<InvariantReport> {
  const raw = (await redis.eval(SNAPSHOT_LUA, 0, `${escapeGlob(prefix)}:*`)) as [string, string, ...SnapshotEntry[]];
  const [sec, usec, ...entries] = raw;
  const now = serverTimeMs([sec, usec]);
  const { findings, live } = classifyInvariant(toSnapshot(prefix, now, entries));
  const report: InvariantReport = { live, pendingCleanup: 0, orphanValues: [], vanishedEarly: [], violations: [], keys: entries.length };
  for (const finding of findings) {
    if (finding.code === 'stale-entry' && finding.expired) {
      report.pendingCleanup++;
      continue;
    }
    if (finding.code === 'stale-entry') report.vanishedEarly.push({ subject: finding.subject, sessionId: finding.sessionId });
    if (finding.code === 'orphan-value') report.orphanValues.push({ subject: finding.subject, sessionId: finding.sessionId });
    report.violations.push(describe(finding, now));
  }
  return report;
}

/** Fails the test with every violation of the invariant. Returns the report for further checks. */
export async function assertInvariant(t: ExecutionContext, redis: Redis, prefix: string): Promise<InvariantReport> {
  const report = await checkInvariant(redis, prefix);
  t.deepEqual(report.violations.slice(0, 20), [], `invariant of prefix ${JSON.stringify(prefix)} (${report.violations.length} violations)`);
  return report;
}

/**
 * After every session has ended (expired, evicted or deleted): no key of the
 * prefix may remain once cleanup had its chance (`timeoutMs` should cover
 * the longest TTL, plus the index grace period when no operation or
 * notification prunes the index).
 */
export async function assertNothingRemains(t: ExecutionContext, redis: Redis, prefix: string, timeoutMs = 10_000): Promise<void> {
  let last: InvariantReport | undefined;
  try {
    await waitFor(
      `no key of prefix ${prefix}`,
      async () => {
        last = await checkInvariant(redis, prefix);
        return last.keys === 0;
      },
      timeoutMs,
    );
  } catch {
    // reported below with what was left
  }
  t.is(
    last?.keys,
    0,
    `keys left under ${JSON.stringify(prefix)}: live ${last?.live}, pending ${last?.pendingCleanup}, ${last?.violations.slice(0, 5).join('; ')}`,
  );
}
