import anyTest, { type TestFn } from 'ava';
import type { ClusterOptions } from 'ioredis';
import { scriptSha } from '../../src/scripts/script-runner.js';
import { UserSessionRedisStorage } from '../../src/index.js';
import type { LocalClusterNode } from '../../scripts/cluster.js';
import { startAcknowledgedLoad } from '../helpers/acknowledged-load.js';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { record } from '../storage/behaviour-suite.js';

const test = anyTest as TestFn<{ backend: ClusterBackend }>;
type Meta = { n: number };

test.before(async (t) => {
  t.context.backend = await ClusterBackend.start();
});
test.after.always(async (t) => {
  await t.context.backend?.stop();
});

async function replicaOf(nodes: readonly LocalClusterNode[], master: LocalClusterNode): Promise<LocalClusterNode> {
  for (const node of nodes) {
    const info = await node.info('replication');
    if (info.role === 'slave' && info.master_port === String(master.port)) return node;
  }
  throw new Error(`no replica of ${master.port}`);
}

const variants: Array<[string, ClusterOptions]> = [
  ['', {}],
  [' (auto-pipelining)', { enableAutoPipelining: true }],
];

for (const [i, [variant, clientOptions]] of variants.entries()) {
  test.serial(`CLUSTER FAILOVER during continuous inserts and reads loses no acknowledged session and surfaces no error${variant}`, async (t) => {
    const { backend } = t.context;
    const keyPrefix = `fo${i}`;
    const storage = await UserSessionRedisStorage.create<Meta>({ client: await backend.clusterClient(clientOptions), keyPrefix });
    const watcher = await UserSessionRedisStorage.create<Meta>({ client: await backend.clusterClient(clientOptions), keyPrefix });
    t.teardown(() => Promise.all([storage.close(), watcher.close()]));
    // Each variant fails over another shard, whose replica has never been a master.
    const master = (await backend.cluster.masters()).sort((a, b) => a.port - b.port)[i]!;
    const replica = await replicaOf(backend.cluster.nodes, master);
    // The replica to be promoted has an empty script cache, as after a restart:
    // the first EVALSHA it serves gets NOSCRIPT, which must stay invisible.
    await replica.command('SCRIPT', 'FLUSH');

    const load = startAcknowledgedLoad(storage, { subjects: 500, workers: 8 });
    const { acknowledged, failures } = load;
    try {
      await waitFor('inserts before the failover', () => acknowledged.length >= 300);
      await replica.failover();
      await waitFor('the old master to step down', async () => (await master.role()) === 'slave');
      const atPromotion = acknowledged.length;
      await waitFor('inserts after the failover', () => acknowledged.length >= atPromotion + 600 || failures.length > 0, 20_000);
    } finally {
      await load.stop();
    }

    t.deepEqual(failures, [], 'no CROSSSLOT, NOSCRIPT or any other error reached the caller');
    const [exists] = await replica.command<number[]>('SCRIPT', 'EXISTS', scriptSha('insert'));
    t.is(exists, 1, 'the promoted master was given the insert script (preloaded when it appeared, or loaded at its first NOSCRIPT)');
    const lost: number[] = [];
    for (const n of acknowledged) {
      if ((await storage.read(...load.sessionOf(n)))?.n !== n) lost.push(n);
    }
    t.deepEqual(lost, [], 'every acknowledged session is still there');
    let counted = 0;
    for (let s = 0; s < 500; s++) counted += await storage.count(`user-${s}`);
    t.is(counted, acknowledged.length);

    // Redis reclaims expired keys by sampling the keys that have a TTL: among
    // thousands of long sessions, a few short ones could wait long for theirs
    // (their 'expired' event comes then). End the long ones first.
    for (let s = 0; s < 500; s++) await storage.deleteAll(`user-${s}`);

    // The subscribers followed the failover: the new master was configured and
    // watched, so its expiries are reported with no operation on the subjects.
    const [, flags] = await replica.command<[string, string]>('CONFIG', 'GET', 'notify-keyspace-events');
    await waitFor(
      'the new master to be configured',
      async () => {
        const [, now] = await replica.command<[string, string]>('CONFIG', 'GET', 'notify-keyspace-events');
        return now.includes('E') && now.includes('x');
      },
      10_000,
    ).catch(() => t.fail(`new master's notify-keyspace-events is "${flags}"`));
    const events = [record(storage), record(watcher)];
    const reported = (): string[] => events.flatMap((e) => e.of('expired'));
    for (let i = 0; i < 60; i++) await storage.insert(`short-${i}`, 'a', { n: i }, 1);
    await waitFor('60 expiries to be reported', () => reported().length >= 60, 15_000);
    await sleep(200);
    t.deepEqual(reported().sort(), Array.from({ length: 60 }, (_, i) => `short-${i}/a`).sort(), 'each once');
  });
}
