import anyTest, { type TestFn } from 'ava';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { defineNoSecretTests } from '../helpers/secret-scan.js';

/*
 * test/reliability/no-secret-at-rest.test.ts on a Redis Cluster: every node
 * (replicas included) is recorded, snapshotted and saved. A cluster of its
 * own: the recording changes CONFIG (notifications, SLOWLOG) and FLUSHALLs.
 */
const test = anyTest as TestFn<{ backend: ClusterBackend }>;

let backend: ClusterBackend | undefined;
test.before(async () => {
  backend = await ClusterBackend.start();
});
test.after.always(async () => {
  await backend?.stop();
});

defineNoSecretTests(
  test as TestFn,
  { servers: () => backend!.cluster.nodes.map(({ host, port }) => ({ host, port })), client: () => backend!.clusterClient() },
  ' (cluster)',
);
