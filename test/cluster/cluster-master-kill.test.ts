import anyTest, { type TestFn } from 'ava';
import { UserSessionRedisStorage } from '../../src/index.js';
import { ClusterBackend, keysOn } from '../helpers/cluster-backend.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { record } from '../storage/behaviour-suite.js';

const test = anyTest as TestFn<{ backend: ClusterBackend }>;

test.before(async (t) => {
  t.context.backend = await ClusterBackend.start();
});
test.after.always(async (t) => {
  await t.context.backend?.stop();
});

test('a master killed while sessions expire leaves no stale entry visible after it returns', async (t) => {
  const { backend } = t.context;
  const storage = await UserSessionRedisStorage.create<{ n: number }>({ client: await backend.clusterClient(), keyPrefix: 'kill' });
  t.teardown(() => storage.close());
  const events = record(storage);
  const subjects = Array.from({ length: 150 }, (_, i) => `user-${i}`);
  await Promise.all(
    subjects.flatMap((subject, n) => [
      storage.insert(subject, 'short-1', { n }, 2),
      storage.insert(subject, 'short-2', { n }, 3),
      storage.insert(subject, 'long', { n }, 600),
    ]),
  );
  const masters = await backend.cluster.masters();
  const victim = masters[0]!;
  const victimKeys = (await keysOn(victim, 'kill:*')).length;
  t.true(victimKeys > 0, 'the killed master holds sessions');
  // Its replica has everything before the crash (replication is asynchronous).
  const replicas = await Promise.all(backend.cluster.nodes.map(async (n) => ({ n, info: await n.info('replication') })));
  const replica = replicas.find((r) => r.info.role === 'slave' && r.info.master_port === String(victim.port))!.n;
  await waitFor('the replica to hold every key', async () => (await keysOn(replica, 'kill:*')).length === victimKeys);

  await victim.kill();
  await waitFor('the replica to take over', async () => (await replica.role()) === 'master', 20_000);
  // Every short session's TTL passes while the old master is down.
  await sleep(3000);
  await victim.start();
  await backend.cluster.waitUntilHealthy();
  t.is(await victim.role(), 'slave', 'the old master came back as a replica');

  for (const [n, subject] of subjects.entries()) {
    t.deepEqual([...(await storage.readAll(subject))], [['long', { n }]], subject);
    t.is(await storage.count(subject), 1);
    t.is(await storage.read(subject, 'short-1'), undefined);
  }
  const expected = subjects.flatMap((s) => [`${s}/short-1`, `${s}/short-2`]).sort();
  await waitFor('every short session to be reported', () => events.events.length >= expected.length);
  await sleep(200);
  t.deepEqual(events.of('expired').sort(), expected, 'each ended session reported once, as expired');
  t.is(events.events.length, expected.length);
  t.is((await backend.keys('kill:*')).length, subjects.length * 2, 'only the long sessions and their indexes are left');
});
