import type { ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { KeySchema } from '../../src/keys/key-schema.js';
import { waitFor } from './wait.js';

/**
 * The storage's invariant, checked on one atomic snapshot of every key of a
 * prefix (one EVAL: no operation, expiry or cleanup can interleave with it,
 * because Redis freezes key expiry for the length of a script).
 *
 *   1. every live value key has its entry in its subject's index;
 *   2. every index entry has its live value key, and the value's TTL ends
 *      when the entry says it does (±CLOCK_SLACK_MS);
 *   3. every key of the prefix has a TTL, and an index lives at least as
 *      long as its longest entry;
 *   4. no key of the prefix is anything but an index or a value.
 *
 * Between a value's expiry and its cleanup (the keyspace notification, or
 * the next operation on the subject) its index entry legitimately points at
 * nothing for a moment. Decision: an entry whose value is gone is tolerated
 * ("pending cleanup") only if its RECORDED expiry has passed by the server
 * clock of the snapshot; an entry whose value vanished before its recorded
 * expiry (evicted, deleted from outside) is a violation unless the caller
 * prunes first (`count()`/`readAll()` of the subject). After everything has
 * ended, use `assertNothingRemains`, which tolerates nothing.
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

/** Value expiries are written as the recorded instant (PXAT/PEXPIREAT): they must match to the ms. */
const CLOCK_SLACK_MS = 1;

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

type SnapshotEntry = [string, number, string, string[]];

function globEscape(text: string): string {
  return text.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

export async function checkInvariant(redis: Redis, prefix: string): Promise<InvariantReport> {
  const schema = new KeySchema(prefix);
  const raw = (await redis.eval(SNAPSHOT_LUA, 0, `${globEscape(prefix)}:*`)) as [string, string, ...SnapshotEntry[]];
  const [sec, usec, ...entries] = raw;
  const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
  const violations: string[] = [];
  const values = new Map<string, number>(); // value key -> expiry (ms since epoch)
  const indexes: { key: string; subject: string; expireTime: number; fields: string[] }[] = [];
  for (const [key, expireTime, kind, fields] of entries) {
    if (expireTime < 0) violations.push(`key without TTL: ${JSON.stringify(key)} (PEXPIRETIME ${expireTime})`);
    const index = schema.parseIndexKey(key);
    if (index && kind === 'zset') {
      indexes.push({ key, subject: index.subject, expireTime, fields });
    } else if (schema.parseValueKey(key) && kind === 'string') {
      values.set(key, expireTime);
    } else {
      violations.push(`foreign key of the prefix: ${JSON.stringify(key)} (${kind})`);
    }
  }
  let live = 0;
  let pendingCleanup = 0;
  const vanishedEarly: InvariantReport['vanishedEarly'] = [];
  const indexed = new Set<string>();
  for (const index of indexes) {
    let longest = 0;
    for (let i = 0; i < index.fields.length; i += 2) {
      const sessionId = index.fields[i]!;
      const expiresAt = Number(index.fields[i + 1]);
      const valueKey = schema.valueKey(index.subject, sessionId);
      indexed.add(valueKey);
      longest = Math.max(longest, expiresAt);
      const valueExpiry = values.get(valueKey);
      if (valueExpiry !== undefined) {
        live++;
        if (Math.abs(valueExpiry - expiresAt) > CLOCK_SLACK_MS) {
          violations.push(`value ${JSON.stringify(valueKey)} expires in ${valueExpiry - now} ms but its index entry says ${expiresAt - now} ms`);
        }
      } else if (expiresAt <= now + CLOCK_SLACK_MS) {
        pendingCleanup++;
      } else {
        vanishedEarly.push({ subject: index.subject, sessionId });
        violations.push(`index entry without value, ${expiresAt - now} ms before its expiry: ${JSON.stringify(valueKey)}`);
      }
    }
    if (index.expireTime >= 0 && index.expireTime + CLOCK_SLACK_MS < longest) {
      violations.push(`index ${JSON.stringify(index.key)} expires ${longest - index.expireTime} ms before its longest session`);
    }
  }
  const orphanValues: InvariantReport['orphanValues'] = [];
  for (const key of values.keys()) {
    if (!indexed.has(key)) {
      orphanValues.push(schema.parseValueKey(key)!);
      violations.push(`value without index entry: ${JSON.stringify(key)}`);
    }
  }
  return { live, pendingCleanup, orphanValues, vanishedEarly, violations, keys: entries.length };
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
