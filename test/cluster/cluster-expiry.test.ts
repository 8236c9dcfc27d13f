import anyTest, { type TestFn } from 'ava';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { ClusterBackend, keysOn } from '../helpers/cluster-backend.js';
import { waitFor } from '../helpers/wait.js';
import { record } from '../storage/behaviour-suite.js';

const test = anyTest as TestFn<{ backend: ClusterBackend }>;

test.before(async (t) => {
  t.context.backend = await ClusterBackend.start();
});
test.after.always(async (t) => {
  await t.context.backend?.stop();
});

test.serial("'configure' sets notify-keyspace-events on every master; 'verify' rejects when one master lacks it", async (t) => {
  const { backend } = t.context;
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
