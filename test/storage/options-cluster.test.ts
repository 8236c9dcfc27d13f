import test from 'ava';
import { Cluster } from 'ioredis';
import { UserSessionRedisStorage } from '../../src/index.js';

// A cluster client that was never connected: if create() sent anything, its status would leave 'wait'.
function idleCluster(options = {}): Cluster {
  return new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true, ...options });
}

test('create() rejects a Cluster with an ioredis keyPrefix, set on the cluster or in its redisOptions, and sends nothing', async (t) => {
  for (const options of [{ keyPrefix: 'app:' }, { redisOptions: { keyPrefix: 'app:' } }]) {
    const cluster = idleCluster(options);
    await t.throwsAsync(UserSessionRedisStorage.create({ client: cluster }), { code: 'INVALID_ARGUMENT', message: /keyPrefix/ } as never);
    t.is(cluster.status, 'wait');
  }
});

test('create() rejects bad options for a Cluster client before connecting it', async (t) => {
  const cluster = idleCluster();
  await t.throwsAsync(UserSessionRedisStorage.create({ client: cluster, keyPrefix: 'a{b' }), { code: 'INVALID_ARGUMENT' } as never);
  t.is(cluster.status, 'wait');
});
