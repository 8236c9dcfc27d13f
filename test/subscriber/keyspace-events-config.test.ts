import test from 'ava';
import { UserSessionStorageError } from '../../src/index.js';
import { ensureKeyspaceEvents, missingFlags } from '../../src/subscriber/keyspace-events-config.js';
import { TestRedis } from '../helpers/redis-server.js';

test('missingFlags names what the subscriber still needs: K, x and e (A counts for x and e)', (t) => {
  t.is(missingFlags(''), 'Kxe');
  t.is(missingFlags('Ex'), 'Ke');
  t.is(missingFlags('KA'), '');
  t.is(missingFlags('AE'), 'K');
  t.is(missingFlags('xeK'), '');
  t.is(missingFlags('Kg$'), 'xe');
});

test('a connection failure during the check is passed on, not reported as KEYSPACE_EVENTS_DISABLED', async (t) => {
  const redis = await TestRedis.start();
  const connection = await redis.client({ maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  await redis.stop();
  const error = await t.throwsAsync(ensureKeyspaceEvents(connection, 'configure'));
  t.false(error instanceof UserSessionStorageError, String(error));
});

test('a refusal by Redis is KEYSPACE_EVENTS_DISABLED', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  await admin.call('ACL', 'SETUSER', 'no-config', 'on', '>pw', '~*', '+@all', '-config');
  const connection = await redis.client({ username: 'no-config', password: 'pw' });
  const error = await t.throwsAsync(ensureKeyspaceEvents(connection, 'configure'), { instanceOf: UserSessionStorageError });
  t.is(error?.code, 'KEYSPACE_EVENTS_DISABLED');
});
