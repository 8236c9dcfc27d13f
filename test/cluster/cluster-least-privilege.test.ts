/**
 * The README's ACL rules for a Redis Cluster, on a real local cluster: the
 * user is created on every node (ACL is per node), the storage runs through
 * an ioredis Cluster logged in as that user, and no node denies it anything.
 */
import anyTest, { type TestFn } from 'ava';
import { Cluster } from 'ioredis';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import type { LocalClusterNode } from '../../scripts/cluster.js';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { aclRules, CLUSTER_CLIENT_RULES, exerciseEveryOperation } from '../helpers/least-privilege.js';
import { sleep, waitFor } from '../helpers/wait.js';

const test = anyTest as TestFn<{ backend: ClusterBackend }>;

test.before(async (t) => {
  t.context.backend = await ClusterBackend.start();
});
test.after.always(async (t) => {
  await t.context.backend?.stop();
});

/** Enough subjects that every shard serves some. */
const SUBJECTS = Array.from({ length: 12 }, (_, i) => `user-${i}`);

let users = 0;
/** The same user on every node: ACLs are per node, a cluster does not share them. */
async function restrictedUser(backend: ClusterBackend, rules: string[]): Promise<string> {
  const username = `storage${++users}`;
  await Promise.all(backend.cluster.nodes.map((node) => node.command('ACL', 'SETUSER', username, 'reset', 'on', '>secret', ...rules)));
  return username;
}

async function restrictedCluster(backend: ClusterBackend, rules: string[]): Promise<{ client: Cluster; username: string }> {
  const username = await restrictedUser(backend, rules);
  return { client: await backend.clusterClient({ redisOptions: { username, password: 'secret' } }), username };
}

/** ACL LOG entries of every node, for one user. */
async function deniedOnAnyNode(backend: ClusterBackend, username: string): Promise<string[]> {
  const denied: string[] = [];
  for (const node of backend.cluster.nodes) {
    const entries = await node.command<unknown[][]>('ACL', 'LOG');
    for (const e of entries) {
      // [count, n, reason, r, context, c, object, o, username, u, ...]
      if (String(e[9]) === username) denied.push(`${node.port}: ${String(e[3])} ${String(e[7])}`);
    }
  }
  return denied;
}

/**
 * ioredis connects to a node lazily (to a replica, when it refreshes its slot
 * map from it: READONLY then), so a short test could end before some
 * handshake was ever checked. A PING on every node's connection runs them all.
 */
async function everyNodeConnected(client: Cluster): Promise<void> {
  await Promise.all(client.nodes('all').map((node) => node.ping()));
}

async function setFlags(backend: ClusterBackend, flags: string): Promise<void> {
  await Promise.all(backend.cluster.nodes.map((node) => node.command('CONFIG', 'SET', 'notify-keyspace-events', flags)));
}

for (const mode of ['configure', 'verify', 'off'] as const) {
  test.serial(`keyspaceEvents '${mode}': the cluster rules run every operation on every shard, and no node denies anything`, async (t) => {
    const { backend } = t.context;
    await setFlags(backend, mode === 'configure' ? '' : 'Egxe');
    const rules = aclRules('sess', mode, 'cluster');
    if (mode !== 'configure')
      t.false(
        rules.some((r) => /config/i.test(r)),
        `no CONFIG in ${rules.join(' ')}`,
      );
    const { client, username } = await restrictedCluster(backend, rules);
    const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: mode });
    t.teardown(() => storage.close());
    const ended: string[] = [];
    for (const reason of ['expired', 'evicted'] as const) storage.on(reason, (e) => ended.push(`${reason} ${e.subject}`));
    await exerciseEveryOperation(storage, SUBJECTS);
    if (mode !== 'off') {
      // One expiry and one outside delete on every shard, each heard by that master's subscriber.
      for (const subject of SUBJECTS) {
        await storage.insert(subject, 'short', null, 1);
        await storage.insert(subject, 'removed', null, 600);
        await client.del(new KeySchema('sess').valueKey(subject, 'removed'));
      }
      await waitFor('an expired and an evicted event per subject', () => ended.length === 2 * SUBJECTS.length, 10_000);
      t.deepEqual(ended.sort(), SUBJECTS.flatMap((s) => [`evicted ${s}`, `expired ${s}`]).sort());
    }
    await everyNodeConnected(client);
    t.deepEqual(await deniedOnAnyNode(backend, username), []);
    await storage.close();
    // The rotation markers live as long as their rotated sessions had left: 2 s at most.
    await waitFor('the rotation markers to expire', async () => (await backend.keys('sess:*')).length === 0, 5000).catch(() => {});
    t.deepEqual(await backend.keys('sess:*'), [], 'no key left behind, probe keys included');
  });
}

test.serial('each rule the cluster adds is needed: without any one of them some node denies something', async (t) => {
  const { backend } = t.context;
  await setFlags(backend, 'Egxe');
  const full = aclRules('sess', 'verify', 'cluster');
  // READWRITE is sent only to a replica promoted to master: the failover test below shows it is needed.
  for (const dropped of CLUSTER_CLIENT_RULES.filter((r) => r !== '+readwrite')) {
    const username = await restrictedUser(
      backend,
      full.filter((r) => r !== dropped),
    );
    const client = new Cluster(backend.cluster.startupNodes, { lazyConnect: true, redisOptions: { username, password: 'secret' } });
    client.on('error', () => {});
    client.on('node error', () => {});
    let failed = false;
    try {
      // Without CLUSTER INFO, ioredis never calls the cluster ready and keeps retrying: bounded here.
      await Promise.race([client.connect(), sleep(10_000).then(() => Promise.reject(new Error('not ready within 10 s')))]);
      const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: 'verify' });
      try {
        await exerciseEveryOperation(storage, SUBJECTS);
        await everyNodeConnected(client);
      } finally {
        await storage.close();
      }
    } catch {
      failed = true;
    } finally {
      client.disconnect();
    }
    const denied = await deniedOnAnyNode(backend, username);
    t.true(failed || denied.length > 0, `dropping ${dropped} went unnoticed`);
    t.true(
      denied.some((d) => d.includes(dropped.slice(1))),
      `without ${dropped}, the denial is of ${dropped.slice(1)}: ${denied.join(', ')}`,
    );
  }
});

test.serial('\'verify\' probes every master: one master without "g" fails create() with KEYSPACE_EVENTS_DISABLED naming it', async (t) => {
  const { backend } = t.context;
  await setFlags(backend, 'Egxe');
  const [, lacking] = await backend.cluster.masters();
  await lacking!.command('CONFIG', 'SET', 'notify-keyspace-events', 'Exe');
  const { client } = await restrictedCluster(backend, aclRules('sess', 'verify', 'cluster'));
  const error = await t.throwsAsync(UserSessionRedisStorage.create({ client, keyspaceEvents: 'verify' }), { instanceOf: UserSessionStorageError });
  t.is(error?.code, 'KEYSPACE_EVENTS_DISABLED');
  t.regex(error.message, new RegExp(`server at ${lacking!.host}:${lacking!.port} lacks "g"`));
  t.deepEqual(await backend.keys('sess:*'), [], 'no probe key left behind');
});

// Last: it changes the cluster's roles.
test.serial(
  "after a CLUSTER FAILOVER the cluster rules still suffice ('verify'): the new master is probed and serves, no node denies anything",
  async (t) => {
    const { backend } = t.context;
    await setFlags(backend, 'Egxe');
    const { client, username } = await restrictedCluster(backend, aclRules('sess', 'verify', 'cluster'));
    const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: 'verify' });
    t.teardown(() => storage.close());
    const ended: string[] = [];
    storage.on('evicted', (e) => ended.push(e.subject));
    await exerciseEveryOperation(storage, SUBJECTS);
    await everyNodeConnected(client);

    const [master] = await backend.cluster.masters();
    let promoted: LocalClusterNode | undefined;
    for (const node of backend.cluster.nodes) {
      if ((await node.info('replication')).master_port === String(master!.port)) promoted = node;
    }
    await promoted!.failover();
    await backend.cluster.waitUntilHealthy();
    // The storage's topology check (every 3 s) finds the new master, subscribes to it and probes it.
    await waitFor(
      'a subscriber on the promoted master',
      async () => {
        const list = await promoted!.command<string>('CLIENT', 'LIST', 'TYPE', 'pubsub');
        return list.includes(`user=${username}`);
      },
      20_000,
    );
    await exerciseEveryOperation(storage, SUBJECTS);
    for (const subject of SUBJECTS) {
      await storage.insert(subject, 'removed', null, 600);
      await client.del(new KeySchema('sess').valueKey(subject, 'removed'));
    }
    await waitFor('an evicted event per subject, from every shard', () => ended.length === SUBJECTS.length, 10_000);
    await everyNodeConnected(client);
    t.deepEqual(await deniedOnAnyNode(backend, username), []);
  },
);
