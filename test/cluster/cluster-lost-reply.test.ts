import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { Cluster } from 'ioredis';
import { ErrorCode, UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { afterEvents } from '../helpers/own-storage.js';
import { waitFor } from '../helpers/wait.js';
import { record } from '../storage/behaviour-suite.js';

/**
 * A lost reply on a cluster: ioredis's Cluster sends a command again, to
 * another node, when its node connection closes before the reply
 * ("Connection is closed.", after retryDelayOnFailover). The storage must
 * fail such a call as "outcome unknown" instead, and never run it twice.
 * Each node sits behind a fault-injecting proxy (natMap points ioredis at it).
 */
const test = anyTest as TestFn<{ backend: ClusterBackend; proxies: FaultProxy[]; client: Cluster }>;

test.before(async (t) => {
  const backend = await ClusterBackend.start();
  t.context.backend = backend;
  const nodes = backend.cluster.startupNodes;
  t.context.proxies = await Promise.all(nodes.map((node) => FaultProxy.start(node)));
  const natMap = Object.fromEntries(nodes.map((node, i) => [`${node.host}:${node.port}`, { host: '127.0.0.1', port: t.context.proxies[i]!.port }]));
  const client = new Cluster(
    t.context.proxies.map((proxy) => ({ host: '127.0.0.1', port: proxy.port })),
    { natMap, lazyConnect: true },
  );
  client.on('error', () => {});
  client.on('node error', () => {});
  await client.connect();
  t.context.client = client;
});
test.after.always(async (t) => {
  t.context.client?.disconnect();
  await Promise.all((t.context.proxies ?? []).map((proxy) => proxy.stop()));
  await t.context.backend?.stop();
});

/**
 * EVALSHA calls run by every master. On a cluster a subject-wide call on a
 * subject with sessions is two: one lists the value keys (nothing written),
 * one declares them and does the work.
 */
async function evalshaCalls(backend: ClusterBackend): Promise<number> {
  let calls = 0;
  for (const node of await backend.cluster.masters()) {
    const stats = await node.command<string>('INFO', 'commandstats');
    calls += Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  }
  return calls;
}

/**
 * Loses the reply to the call's EVALSHA that declares more than `fixedKeys`
 * keys: the round that writes. `otherRounds` is how many other EVALSHAs the
 * call and `after` make (listing rounds, the after-call's own).
 */
async function lostReply(
  t: ExecutionContext<{ backend: ClusterBackend; proxies: FaultProxy[] }>,
  call: () => Promise<unknown>,
  after: () => Promise<unknown>,
  fixedKeys: number,
  otherRounds: number,
) {
  const { backend, proxies } = t.context;
  const before = await evalshaCalls(backend);
  let dropped = false;
  const writes = (request: string[]): boolean => request[0]?.toLowerCase() === 'evalsha' && Number(request[2]) > fixedKeys;
  const drops = proxies.map((proxy) => proxy.dropReplyTo((request) => !dropped && writes(request) && (dropped = true)));
  const outcome = await call().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await Promise.race(drops);
  for (const proxy of proxies) void proxy.dropReplyTo(() => false); // disarm the others
  await after();
  const ran = (await evalshaCalls(backend)) - before - otherRounds;
  t.log(`the call ${'value' in outcome ? `answered ${JSON.stringify(outcome.value)}` : `failed: ${String(outcome.error)}`}, and ran ${ran} time(s)`);
  t.false('value' in outcome, 'no answer from a second run');
  const error = (outcome as { error: unknown }).error;
  t.true(error instanceof UserSessionStorageError);
  t.is((error as UserSessionStorageError).code, ErrorCode.REDIS_ERROR);
  t.regex((error as Error).message, /may or may not have happened/);
  t.is(ran, 1, 'the lost call ran exactly once');
}

test.serial('a lost reply to deleteAll on a cluster: REDIS_ERROR (outcome unknown), it ran once, nothing reported', async (t) => {
  const storage = await UserSessionRedisStorage.create<unknown>({ client: t.context.client, keyPrefix: 'cl1', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  const events = record(storage as UserSessionRedisStorage<Record<string, unknown>>);
  await storage.insert('eve', 'laptop', {}, 100);
  await storage.insert('eve', 'phone', {}, 100);

  await lostReply(
    t,
    () => storage.deleteAll('eve'),
    () => storage.count('eve'),
    1,
    2, // deleteAll's listing round; count of a subject without sessions is one round
  );

  t.is(await storage.count('eve'), 0, 'both sessions ended');
  await afterEvents();
  t.deepEqual(events.events, []);
});

test.serial('a lost reply to insert with evict-oldest at the limit on a cluster: REDIS_ERROR (outcome unknown), it ran once', async (t) => {
  const storage = await UserSessionRedisStorage.create<unknown>({
    client: t.context.client,
    keyPrefix: 'cl2',
    keyspaceEvents: 'off',
    concurrentSessions: 2,
    onLimit: 'evict-oldest',
  });
  t.teardown(() => storage.close());
  await storage.insert('fay', 'a', {}, 100);
  await storage.insert('fay', 'b', {}, 200);

  await lostReply(
    t,
    () => storage.insert('fay', 'c', {}, 300),
    () => storage.count('fay'),
    2,
    3, // the insert's listing round (at the limit); count of a subject with sessions is two rounds
  );

  t.deepEqual([...(await storage.readAll('fay')).keys()].sort(), ['b', 'c']);
});

test.serial('a storage opens two connections per master (its Cluster client, a subscriber), none to replicas, and close() ends them', async (t) => {
  const { backend } = t.context;
  // Every connection of this client and of what the storage duplicates from it carries this name.
  const client = await backend.clusterClient({ redisOptions: { connectionName: 'conns' } });
  /** Per node, sorted: the connections named so that are not the caller's client's own. */
  const storageConnections = async () => {
    const callers = new Set(client.nodes('all').map((node) => `${node.stream?.localAddress}:${node.stream?.localPort}`));
    const perNode = await Promise.all(
      backend.cluster.nodes.map(async (node) => {
        const lines = (await node.command<string>('CLIENT', 'LIST')).split('\n');
        const own = lines.filter((line) => line.includes(' name=conns ') && !callers.has(/ addr=(\S+)/.exec(line)?.[1] ?? ''));
        return `${(await node.role()) === 'master' ? 'master' : 'replica'}: ${own.length}`;
      }),
    );
    return perNode.sort();
  };
  const storage = await UserSessionRedisStorage.create<unknown>({ client, keyPrefix: 'cl3' });
  t.teardown(() => storage.close());
  for (let i = 0; i < 30; i++) await storage.insert(`u${i}`, 's', {}, 100); // every master gets commands
  // Polled: on a busy machine a slot-map refresh can hold a short-lived connection of its own for a moment. ioredis
  // sends CLUSTER SLOTS to any node, a replica included, and may keep that one connection to it.
  const two = (seen: string[]): boolean =>
    seen.filter((n) => n === 'master: 2').length === 3 && seen.filter((n) => n === 'replica: 0' || n === 'replica: 1').length === 3;
  let seen: string[] = [];
  await waitFor('two connections per master', async () => two((seen = await storageConnections()))).catch(() => {});
  t.true(two(seen), seen.join(', '));
  await storage.close();
  const none = ['master: 0', 'master: 0', 'master: 0', 'replica: 0', 'replica: 0', 'replica: 0'];
  await waitFor('close() to end them', async () => JSON.stringify(await storageConnections()) === JSON.stringify(none));
  t.pass();
});
