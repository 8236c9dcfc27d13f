import test from 'ava';
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { ErrorCode, UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { clusterRefusal, redisFailure } from '../../src/errors/redis-failure.js';
import { closedPort } from '../helpers/closed-port.js';
import { TestRedis } from '../helpers/redis-server.js';

const ATOMIC = /Each operation is atomic: it either happened entirely or not at all; read before retrying$/;

/** An error reply as ioredis hands it over: a ReplyError with the command it answered. */
function reply(message: string, command = 'evalsha'): Error {
  return Object.assign(new (ReplyError as new (message: string) => Error)(message), { command: { name: command, args: [] } });
}

/** A client create() connects itself (a duplicate of it): this one never connects. */
function unconnected(options: RedisOptions): Redis {
  const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true, ...options });
  client.on('error', () => {});
  return client;
}

async function createError(client: Redis): Promise<UserSessionStorageError> {
  const error = await UserSessionRedisStorage.create({ client, keyspaceEvents: 'off' }).then(
    async (storage) => {
      await storage.close();
      throw new Error('create() succeeded');
    },
    (e: unknown) => e,
  );
  if (!(error instanceof UserSessionStorageError)) throw error as Error;
  return error;
}

let redis: TestRedis;

test.before(async () => {
  redis = await TestRedis.start();
  const admin = await redis.client();
  await admin.call('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
  await admin.call('ACL', 'SETUSER', 'noeval', 'on', '>pw', '~*', '&*', '+@all', '-evalsha');
});

test.after.always(() => redis?.stop());

test('create() on a refused port: cannot reach Redis, with the connection error, not the atomicity hint', async (t) => {
  const client = unconnected({ port: await closedPort() });
  const error = await createError(client);
  t.is(error.code, ErrorCode.REDIS_ERROR);
  t.regex(
    error.message,
    /^cannot reach Redis: connect ECONNREFUSED 127\.0\.0\.1:\d+\. Check the client's host and port \(or URL\), TLS and credentials/,
  );
  t.notRegex(error.message, /atomic/);
});

test('create() with a wrong password: Redis refused the credentials', async (t) => {
  const error = await createError(unconnected({ username: 'noscript', password: 'wrong' }));
  t.is(error.code, ErrorCode.REDIS_ERROR);
  t.regex(error.message, /^Redis refused the credentials: WRONGPASS .*Check the client's username and password/);
});

test('create() by a user without scripting: the scripts cannot load, and what to allow', async (t) => {
  const error = await createError(unconnected({ username: 'noscript', password: 'pw' }));
  t.is(error.code, ErrorCode.REDIS_ERROR);
  t.regex(error.message, /^Redis cannot load the storage's Lua scripts: NOPERM .*script\|load.*allows this user SCRIPT LOAD and EVALSHA/);
});

test('a command the user may not run: NOPERM says to grant it; a failing script keeps the atomicity hint', async (t) => {
  const client = await redis.client({ username: 'noeval', password: 'pw' });
  const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'noeval', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  const denied = await t.throwsAsync(storage.count('u'), { instanceOf: UserSessionStorageError });
  t.regex(denied.message, /^the Redis user may not run a command the storage needs: NOPERM .*evalsha.*Grant it/);

  const admin = await redis.client();
  const typed = await UserSessionRedisStorage.create({ client: admin, keyPrefix: 'typed', keyspaceEvents: 'off' });
  t.teardown(() => typed.close());
  await admin.set('typed:{u}:i', 'not a sorted set');
  const wrongType = await t.throwsAsync(typed.insert('u', 's', {}, 60), { instanceOf: UserSessionStorageError });
  t.is(wrongType.code, ErrorCode.REDIS_ERROR);
  t.regex(wrongType.message, /^Redis failed: WRONGTYPE /);
  t.regex(wrongType.message, ATOMIC);
});

test('the tracked command\'s "not sent" and "outcome unknown" messages are kept as they are', (t) => {
  for (const message of ['Redis could not be reached: x. The operation was not sent', 'Redis did not answer: x. The operation was sent']) {
    const own = new UserSessionStorageError(ErrorCode.REDIS_ERROR, message, { cause: new Error('Connection is closed.') });
    t.is(redisFailure(own), own);
  }
  const invalid = new UserSessionStorageError(ErrorCode.VALUE_FORMAT_MISMATCH, 'another codec');
  t.is(redisFailure(invalid), invalid);
});

test('cluster refusals: a redirect met by a plain client, and a cluster busy past the retries', (t) => {
  const moved = redisFailure(reply('MOVED 8106 127.0.0.1:30002'));
  t.regex(
    moved.message,
    /^a Redis Cluster node redirected the call \(MOVED 8106 127\.0\.0\.1:30002\): .*plain Redis client.*Cluster client.*did not run$/,
  );
  t.regex(redisFailure(reply('ASK 8106 127.0.0.1:30002')).message, /^a Redis Cluster node redirected the call \(ASK /);

  const down = redisFailure(reply('CLUSTERDOWN The cluster is down'));
  t.is(
    down.message,
    'Redis Cluster refused the call: CLUSTERDOWN The cluster is down. The cluster is resharding, failing over or down; the operation did not run: retry later',
  );
  // What ioredis's Cluster gives up with, as the tracked command reports it ("not sent", with the cause).
  const exhausted = new Error('Too many Cluster redirections. Last error: ReplyError: TRYAGAIN Multiple keys request during rehashing of slot');
  const notSent = new UserSessionStorageError(ErrorCode.REDIS_ERROR, 'Redis could not be reached: ...', { cause: exhausted });
  const busy = redisFailure(notSent);
  t.regex(busy.message, /^Redis Cluster refused the call: Too many Cluster redirections\. Last error: ReplyError: TRYAGAIN .*retry later$/);
  t.is(busy.cause, exhausted);
  t.is(clusterRefusal(notSent), 'TRYAGAIN');
  t.is(clusterRefusal(reply('ERR MOVED elsewhere')), undefined);
});

test('an error that is neither a reply nor a connection failure keeps the generic message', (t) => {
  t.regex(redisFailure(new TypeError('x is not a function')).message, /^Redis failed: x is not a function\. Each operation is atomic/);
  t.regex(redisFailure('a string').message, ATOMIC);
  t.regex(redisFailure(new Error('Connection is closed.')).message, /^cannot reach Redis: Connection is closed\. Check/);
});
