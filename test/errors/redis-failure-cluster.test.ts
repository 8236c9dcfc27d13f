import calculateSlot from 'cluster-key-slot';
import test from 'ava';
import { ErrorCode, UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { ClusterBackend } from '../helpers/cluster-backend.js';

const PREFIX = 'redis-failure-moved';
const keys = new KeySchema(PREFIX);

test('a plain Redis client on a cluster node: a subject of another node fails with MOVED, said as such', async (t) => {
  const backend = await ClusterBackend.shared();
  t.teardown(() => backend.stop());
  const cluster = await backend.clusterClient();
  const [node] = await backend.cluster.masters();
  const plain = node!.connect();
  t.teardown(() => plain.disconnect());
  await plain.connect();
  const here = `${node!.host}:${node!.port}`;
  const ownerOf = (subject: string) => cluster.slots[calculateSlot(keys.indexKey(subject))]?.[0];
  const subjects = Array.from({ length: 20 }, (_, i) => `user${i}`);
  const local = subjects.find((s) => ownerOf(s) === here)!;
  const remote = subjects.find((s) => ownerOf(s) !== here)!;
  t.truthy(local);
  t.truthy(remote);

  const storage = await UserSessionRedisStorage.create({ client: plain, keyPrefix: PREFIX, keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  await storage.insert(local, 's', {}, 60);
  t.is(await storage.deleteAll(local), 1);
  const error = await t.throwsAsync(storage.insert(remote, 's', {}, 60), { instanceOf: UserSessionStorageError });
  t.is(error.code, ErrorCode.REDIS_ERROR);
  t.regex(error.message, /^a Redis Cluster node redirected the call \(MOVED \d+ [\d.]+:\d+\): the storage was given a plain Redis client/);
  t.regex(error.message, /new Cluster\(.*The operation did not run$/);
  t.notRegex(error.message, /atomic/);
  t.deepEqual(await backend.keys(`${PREFIX}:*`), []);
});
