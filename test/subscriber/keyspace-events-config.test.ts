import test from 'ava';
import { UserSessionStorageError } from '../../src/index.js';
import { configureKeyspaceEvents, missingFlags } from '../../src/subscriber/keyspace-events-config.js';
import { TestRedis } from '../helpers/redis-server.js';

test('missingFlags names what the subscriber still needs: E, g, x and e (A counts for g, x and e; K is not needed)', (t) => {
  t.is(missingFlags(''), 'Egxe');
  t.is(missingFlags('Ex'), 'ge');
  t.is(missingFlags('AE'), '');
  t.is(missingFlags('KA'), 'E');
  t.is(missingFlags('Kgxe'), 'E', 'keyspace channels alone: the subscriber listens on keyevent channels');
  t.is(missingFlags('xeE'), 'g');
  t.is(missingFlags('xegE'), '');
  t.is(missingFlags('Eg$'), 'xe');
});

test('a connection failure during the check is passed on, not reported as KEYSPACE_EVENTS_DISABLED', async (t) => {
  const redis = await TestRedis.start();
  const connection = await redis.client({ maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  await redis.stop();
  const error = await t.throwsAsync(configureKeyspaceEvents(connection));
  t.false(error instanceof UserSessionStorageError, String(error));
});

test('CONFIG GET refused: not a verdict (the caller probes instead), and nothing is changed', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  await admin.call('ACL', 'SETUSER', 'no-config', 'on', '>pw', '~*', '+@all', '-config');
  const connection = await redis.client({ username: 'no-config', password: 'pw' });
  t.false(await configureKeyspaceEvents(connection));
  t.is((await admin.config('GET', 'notify-keyspace-events'))[1], '');
});

test('CONFIG GET allowed and SET refused with flags missing: KEYSPACE_EVENTS_DISABLED naming them', async (t) => {
  const redis = await TestRedis.start(['--notify-keyspace-events', 'Exe']);
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  await admin.call('ACL', 'SETUSER', 'get-only', 'on', '>pw', '~*', '+@all', '-config|set');
  const connection = await redis.client({ username: 'get-only', password: 'pw' });
  const error = await t.throwsAsync(configureKeyspaceEvents(connection), { instanceOf: UserSessionStorageError });
  t.is(error?.code, 'KEYSPACE_EVENTS_DISABLED');
  t.regex(error.message, /is "xeE" and lacks "g"/);
});

test('CONFIG allowed: adds the missing flags and keeps the others', async (t) => {
  const redis = await TestRedis.start(['--notify-keyspace-events', 'E$x']);
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  t.true(await configureKeyspaceEvents(admin));
  const flags = (await admin.config('GET', 'notify-keyspace-events'))[1]!;
  t.deepEqual([...flags].sort(), [...'$Eegx'].sort(), 'g and e added, no K');
});
