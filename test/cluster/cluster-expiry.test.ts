import anyTest, { type TestFn } from 'ava';
import { UserSessionRedisStorage } from '../../src/index.js';
import { ClusterBackend, keysOn } from '../helpers/cluster-backend.js';
import { waitFor } from '../helpers/wait.js';
import { record } from '../storage/behaviour-suite.js';

const test = anyTest as TestFn<{ backend: ClusterBackend }>;

// On the test run's shared cluster: it touches keys of its own prefix only. The test that changes
// notify-keyspace-events on every node runs on a cluster of its own, in cluster-deployment-wide.test.ts.
test.before(async (t) => {
  t.context.backend = await ClusterBackend.shared();
});
test.after.always(async (t) => {
  await t.context.backend?.stop();
});

test.serial('sessions of hundreds of subjects on every shard expire and each is reported exactly once by two instances', async (t) => {
  const { backend } = t.context;
  const prefix = 'many';
  const first = await UserSessionRedisStorage.create<Record<string, unknown>>({ client: await backend.clusterClient(), keyPrefix: prefix });
  const second = await UserSessionRedisStorage.create<Record<string, unknown>>({ client: await backend.clusterClient(), keyPrefix: prefix });
  t.teardown(() => Promise.all([first.close(), second.close()]));
  const a = record(first);
  const b = record(second);
  const expected: string[] = [];
  const inserts: Promise<void>[] = [];
  for (let subject = 0; subject < 300; subject++) {
    for (let session = 0; session < 2; session++) {
      inserts.push((subject % 2 ? first : second).insert(`user-${subject}`, `s${session}`, { subject }, 1 + (subject % 2)));
      expected.push(`user-${subject}/s${session}`);
    }
  }
  await Promise.all(inserts);
  // Every shard holds some of them, so every master's subscriber must do its part.
  for (const master of await backend.cluster.masters()) {
    t.true((await keysOn(master, `${prefix}:*`)).length > 100, `master ${master.port} holds sessions`);
  }
  await waitFor('600 expired events', () => a.events.length + b.events.length >= expected.length, 20_000);
  await waitFor('every index to be removed', async () => (await backend.keys(`${prefix}:*`)).length === 0, 10_000);
  const reported = [...a.of('expired'), ...b.of('expired')];
  t.is(reported.length, expected.length, 'none twice');
  t.deepEqual(reported.sort(), expected.sort(), 'each once');
  t.is(a.events.length + b.events.length, expected.length, 'nothing reported as anything else');
});
