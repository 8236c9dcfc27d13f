import { ErrorCode, type KeyspaceEventsMode, type UserSessionRedisStorage } from '../../src/index.js';

/**
 * The commands the scripts call (`lua/`): Redis checks a script's
 * redis.call()s against the caller's ACL too. The one list both the
 * single-node and the cluster ACL tests use; README.md ("Least privilege
 * (ACL)") lists the same commands in the same order, which
 * least-privilege.test.ts checks.
 */
export const SCRIPT_COMMANDS = [
  'time',
  'get',
  'set',
  'del',
  'exists',
  'zscore',
  'zadd',
  'zrem',
  'zcount',
  'zrange',
  'zrangebyscore',
  'zrevrange',
  'pttl',
  'pexpireat',
] as const;

/** What the probe of `'verify'` (and of `'configure'` without CONFIG) sends itself, outside any script. */
export const PROBE_COMMANDS = ['set', 'get', 'del'] as const;

/** The subscriber's channels on database 0, exact names: it SUBSCRIBEs to these three keyevent channels and no other. */
export const KEYEVENT_CHANNEL_RULES = ['&__keyevent@0__:expired', '&__keyevent@0__:evicted', '&__keyevent@0__:del'] as const;

/**
 * What ioredis's `Cluster` sends besides the storage: slot map, readiness,
 * connection names, pings, READONLY to replicas and READWRITE to a replica
 * promoted to master.
 */
export const CLUSTER_CLIENT_RULES = ['+cluster|slots', '+cluster|info', '+client|setname', '+ping', '+readonly', '+readwrite'] as const;

/**
 * The ACL rules README.md documents for key prefix `prefix` on database 0,
 * per keyspaceEvents mode, without duplicates (a probe command the scripts
 * also call is one rule).
 */
export function aclRules(prefix: string, mode: KeyspaceEventsMode, deployment: 'single node' | 'cluster' = 'single node'): string[] {
  const rules = [
    `~${prefix}:{*`,
    '+evalsha',
    '+script|load',
    '+info', // ioredis's ready check on every (re)connect
    ...SCRIPT_COMMANDS.map((c) => `+${c}`),
  ];
  if (deployment === 'cluster') rules.push(...CLUSTER_CLIENT_RULES);
  if (mode !== 'off') rules.push(...KEYEVENT_CHANNEL_RULES, '+subscribe', ...PROBE_COMMANDS.map((c) => `+${c}`));
  if (mode === 'configure') rules.push('+config|get', '+config|set');
  return [...new Set(rules)];
}

/**
 * Every operation and every command the scripts call (ZREVRANGE and the
 * index's PEXPIREAT run when a delete removes the session bounding the
 * index TTL), on `subjects` (several, so that a
 * cluster's every shard serves some). Rotation included: a retry, an update
 * of a rotated session (SET ... GET, keeping its family), and a replay of a
 * rotated id, whose revocation of the family reads the subject's values (on
 * a cluster, after a NEED_KEYS round). The rotated sessions live 2 s, and
 * so do the rotation markers they leave.
 */
export async function exerciseEveryOperation(storage: UserSessionRedisStorage<unknown>, subjects: string[] = ['u:1']): Promise<void> {
  for (const subject of subjects) {
    await storage.insert(subject, 'a', { n: 1 }, 60);
    await storage.insert(subject, 'b', { n: 2 }, 120);
    await storage.insert(subject, 'a', { n: 0 }, 60).then(
      () => {
        throw new Error('a duplicate insert succeeded');
      },
      (error: unknown) => {
        if ((error as { code?: string }).code !== ErrorCode.SESSION_ALREADY_EXISTS) throw error;
      },
    );
    await storage.read(subject, 'a');
    await storage.readAll(subject);
    await storage.count(subject);
    await storage.update(subject, 'a', { n: 3 });
    await storage.touch(subject, 'a', 30);
    await storage.readAndTouch(subject, 'a', 30, { minRemainingSeconds: 10 }); // enough left: nothing written
    await storage.readAndTouch(subject, 'a', 30);
    await storage.readAll(subject, { withExpiry: true });
    await storage.insert(subject, 'c', { n: 4 }, 2);
    await expect(storage.rotate(subject, 'c', 'd', 2), true, 'rotate');
    await expect(storage.rotate(subject, 'c', 'd', 2), true, 'a retried rotate');
    await expect(storage.update(subject, 'd', { n: 5 }), true, 'update of a rotated session');
    await expect(storage.rotate(subject, 'd', 'e', 2, { n: 6 }), true, 'rotate with metadata');
    await expect(storage.read(subject, 'c'), undefined, 'a replayed rotated id');
    await expect(storage.read(subject, 'e'), undefined, 'the family revoked by the replay');
    await storage.delete(subject, 'b');
    await storage.insert(subject, 'f', { n: 7 }, 60);
    await expect(storage.deleteOthers(subject, 'a'), 1, 'deleteOthers');
    await storage.deleteAll(subject);
  }
}

/** Fails the exercise when a call answered otherwise than a storage with every permission would. */
async function expect<T>(call: Promise<T>, expected: T, what: string): Promise<void> {
  const got = await call;
  if (got !== expected) throw new Error(`${what} answered ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
}
