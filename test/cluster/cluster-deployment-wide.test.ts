/**
 * The cluster tests that disturb every client of the deployment, so they
 * cannot run on the test run's shared cluster (see ClusterBackend.shared):
 * the behaviour suite's SCRIPT FLUSH and killed-subscribers tests, with and
 * without auto-pipelining, and the notify-keyspace-events checks that
 * change the flags on every node. All on one cluster of this file's own,
 * one test at a time.
 */
import anyTest, { type TestFn } from 'ava';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { defineBehaviourSuite, type SuiteContext } from '../storage/behaviour-suite.js';

const test = anyTest as TestFn<SuiteContext>;

let cluster: Promise<ClusterBackend> | undefined;
const ownCluster = (): Promise<ClusterBackend> => (cluster ??= ClusterBackend.start());
test.after.always(async () => {
  await (await cluster)?.stop();
});

defineBehaviourSuite(test, async () => (await ownCluster()).borrow(), { tests: 'deployment-wide' });
defineBehaviourSuite(test, async () => (await ownCluster()).borrow({ enableAutoPipelining: true }), {
  tests: 'deployment-wide',
  titleSuffix: ' (enableAutoPipelining)',
});

// Last: it leaves one master without the flags.
test.serial("'configure' sets notify-keyspace-events on every master; 'verify' rejects when one master lacks it", async (t) => {
  const backend = await ownCluster();
  const masters = await backend.cluster.masters();
  t.is(masters.length, 3);
  await Promise.all(backend.cluster.nodes.map((n) => n.command('CONFIG', 'SET', 'notify-keyspace-events', '')));
  const storage = await UserSessionRedisStorage.create({ client: await backend.clusterClient(), keyPrefix: 'configure' });
  for (const master of masters) {
    const [, flags] = await master.command<[string, string]>('CONFIG', 'GET', 'notify-keyspace-events');
    t.true(
      ['E', 'g', 'x', 'e'].every((f) => flags.includes(f)),
      `master ${master.port} has "${flags}"`,
    );
  }
  await storage.close();
  await masters[1]!.command('CONFIG', 'SET', 'notify-keyspace-events', '');
  const error = await t.throwsAsync(
    UserSessionRedisStorage.create({ client: await backend.clusterClient(), keyPrefix: 'verify', keyspaceEvents: 'verify' }),
    { instanceOf: UserSessionStorageError },
  );
  t.is(error?.code, 'KEYSPACE_EVENTS_DISABLED');
});
