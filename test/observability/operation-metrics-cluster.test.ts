/**
 * On Redis Cluster a subject-wide call on a subject with sessions takes a
 * NEED_KEYS round before it runs; its message counts them. Uses the test
 * run's shared cluster, under a key prefix of its own.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import test from 'ava';
import { operationChannels, UserSessionRedisStorage, type OperationMessage } from '../../src/index.js';
import { ClusterBackend } from '../helpers/cluster-backend.js';

test('subject-wide calls count their NEED_KEYS rounds; calls on one session take none', async (t) => {
  const backend = await ClusterBackend.shared();
  t.teardown(() => backend.stop());
  const prefix = `metrics-cluster-${process.pid}`;
  const settled: OperationMessage[] = [];
  const asyncEnd = (message: unknown): void => {
    if ((message as OperationMessage).keyPrefix === prefix) settled.push(message as OperationMessage);
  };
  const noop = (): void => {};
  const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd, error: noop };
  for (const name of Object.values(operationChannels)) tracingChannel(name).subscribe(handlers);
  t.teardown(() => {
    for (const name of Object.values(operationChannels)) tracingChannel(name).unsubscribe(handlers);
  });
  const storage = await UserSessionRedisStorage.create({ client: await backend.client(), keyPrefix: prefix, keyspaceEvents: 'off' });
  t.teardown(() => storage.close());

  await storage.count('nobody');
  await storage.insert('user-1', 'a', {}, 60);
  await storage.insert('user-1', 'b', {}, 60);
  await storage.read('user-1', 'a');
  await storage.readAll('user-1');
  await storage.deleteAll('user-1');

  t.deepEqual(
    settled.map((m) => [m.operation, m.outcome, m.needKeys]),
    [
      ['count', 'ok', 0],
      ['insert', 'ok', 0],
      ['insert', 'ok', 0],
      ['read', 'ok', 0],
      ['readAll', 'ok', 1],
      ['deleteAll', 'ok', 1],
    ],
  );
  t.deepEqual(settled.at(-1)!.ended, { expired: 0, evicted: 0, deleted: 2, rotated: 0, reused: 0 });
});
