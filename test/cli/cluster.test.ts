import calculateSlot from 'cluster-key-slot';
import test from 'ava';
import type { Cluster } from 'ioredis';
import { UserSessionRedisStorage } from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { ClusterBackend } from '../helpers/cluster-backend.js';

interface Checked {
  findings: { code: string; level: string; detail: string; nodes?: string[] }[];
}

/** The shared cluster: these tests touch only keys of their own prefixes. */
let backend: ClusterBackend;
let cluster: Cluster;
let url: string;

test.before(async () => {
  backend = await ClusterBackend.shared();
  cluster = await backend.clusterClient();
  // One node's address: the CLI finds the masters through it.
  const [first] = backend.cluster.startupNodes;
  url = `redis://${first!.host}:${first!.port}`;
});

test.after.always(() => backend?.stop());

/** Subjects whose keys live on each of the cluster's masters, one per master at least. */
function subjectsOnEveryMaster(keys: KeySchema): string[] {
  const byMaster = new Map<string, string>();
  for (let i = 0; byMaster.size < 3 && i < 1000; i++) {
    const subject = `user${i}`;
    const owner = cluster.slots[calculateSlot(keys.indexKey(subject))]?.[0];
    if (owner && !byMaster.has(owner)) byMaster.set(owner, subject);
  }
  return [...byMaster.values()];
}

async function storageOf(prefix: string): Promise<UserSessionRedisStorage> {
  return UserSessionRedisStorage.create({ client: cluster, keyPrefix: prefix, keyspaceEvents: 'off' });
}

test('count, list and revoke reach the master of each subject', async (t) => {
  const prefix = 'cli-cluster-sessions';
  const subjects = subjectsOnEveryMaster(new KeySchema(prefix));
  t.is(subjects.length, 3);
  const storage = await storageOf(prefix);
  t.teardown(() => storage.close());
  for (const subject of subjects) {
    await storage.insert(subject, 'laptop', { subject }, 600);
    await storage.insert(subject, 'phone', { subject }, 900);
  }
  for (const subject of subjects) {
    const args = ['--url', url, '--prefix', prefix];
    const counted = await runCliJson<{ count: number }>([...args, 'count', subject]);
    t.is(counted.code, 0, counted.stderr);
    t.is(counted.json.count, 2, subject);

    const listed = await runCliJson<{ sessions: { sessionId: string; metaData: unknown }[] }>([...args, 'list', subject]);
    t.deepEqual(
      listed.json.sessions.map((s) => [s.sessionId, s.metaData]),
      [
        ['laptop', { subject }],
        ['phone', { subject }],
      ],
    );

    const revoked = await runCliJson<{ revoked: string[] }>([...args, 'revoke', subject, 'phone']);
    t.deepEqual(revoked.json.revoked, ['phone']);
    t.is(await storage.count(subject), 1);
  }
  for (const subject of subjects) await storage.deleteAll(subject);
});

test('check and repair visit every master', async (t) => {
  const prefix = 'cli-cluster-repair';
  const keys = new KeySchema(prefix);
  const subjects = subjectsOnEveryMaster(keys);
  const storage = await storageOf(prefix);
  t.teardown(() => storage.close());
  for (const subject of subjects) {
    await storage.insert(subject, 'kept', {}, 600);
    await storage.insert(subject, 'orphaned', {}, 600);
  }
  const args = ['--url', url, '--prefix', prefix];

  const checked = await runCliJson<Checked>([...args, 'check']);
  const finding = (code: string) => checked.json.findings.find((f) => f.code === code);
  t.is(finding('topology')?.nodes?.length, 3);
  t.regex(finding('topology')!.detail, /^Redis Cluster of 3 masters/);
  t.regex(finding('index-invariant')!.detail, /3 subjects, 6 live sessions/);
  // Server checks ran on each master: one finding for all of them, or one per group of masters that agree.
  const versions = checked.json.findings.filter((f) => f.code === 'server-version');
  t.is(versions.flatMap((f) => f.nodes ?? []).length, 3);

  // An orphan value on every master: its index entry removed from outside.
  for (const subject of subjects) await cluster.zrem(keys.indexKey(subject), 'orphaned');
  const repaired = await runCliJson<{ removed: { removed: string; subject: string; sessionId: string }[] }>([...args, 'repair']);
  t.is(repaired.code, 0, repaired.stderr);
  t.deepEqual(
    repaired.json.removed.map((r) => `${r.removed} ${r.subject}/${r.sessionId}`).sort(),
    subjects.map((s) => `orphan value ${s}/orphaned`).sort(),
  );
  for (const subject of subjects) t.deepEqual([...(await storage.readAll(subject)).keys()], ['kept']);
  for (const subject of subjects) await storage.deleteAll(subject);
  t.deepEqual(await backend.keys(`${prefix}:*`), []);

  // Nothing left under the prefix: check says so, on every master.
  const empty = await runCliJson<Checked>([...args, 'check']);
  t.is(empty.code, 1);
  t.regex(empty.json.findings.at(-1)!.detail, /^no keys with prefix "cli-cluster-repair" found on any of the 3 masters/);
  const count = await runCli([...args, 'count', subjects[0]!]);
  t.regex(count.stderr, /no keys with prefix "cli-cluster-repair" found on any of the 3 masters/);
});
