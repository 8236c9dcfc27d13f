import test from 'ava';
import { Redis } from 'ioredis';
import { UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';

// A client that was never connected: if create() sent anything, its status would leave 'wait'.
function idleClient(options = {}): Redis {
  return new Redis({ lazyConnect: true, port: 1, ...options });
}

const bad: Array<[string, Record<string, unknown>]> = [
  ['keyPrefix empty', { keyPrefix: '' }],
  ['keyPrefix with {', { keyPrefix: 'a{b' }],
  ['keyPrefix with }', { keyPrefix: 'a}' }],
  ['keyPrefix not a string', { keyPrefix: 5 }],
  ['concurrentSessions 0', { concurrentSessions: 0 }],
  ['concurrentSessions 1.5', { concurrentSessions: 1.5 }],
  ['concurrentSessions string', { concurrentSessions: '3' }],
  ['onLimit unknown', { onLimit: 'drop' }],
  ['keyspaceEvents unknown', { keyspaceEvents: 'on' }],
  ['indexGraceSeconds 0', { indexGraceSeconds: 0 }],
  ['codec without decode', { codec: { encode: () => Buffer.alloc(0) } }],
  ['codec formatTag 300', { codec: { formatTag: 300, encode: () => Buffer.alloc(0), decode: () => null } }],
];

for (const [name, options] of bad) {
  test(`create() rejects ${name} with INVALID_ARGUMENT and sends nothing`, async (t) => {
    const client = idleClient();
    await t.throwsAsync(UserSessionRedisStorage.create({ client, ...options }), {
      instanceOf: UserSessionStorageError,
      code: 'INVALID_ARGUMENT',
    } as never);
    t.is(client.status, 'wait');
  });
}

test('create() rejects a missing client, and a client with an ioredis keyPrefix', async (t) => {
  await t.throwsAsync(UserSessionRedisStorage.create({} as never), { code: 'INVALID_ARGUMENT' } as never);
  await t.throwsAsync(UserSessionRedisStorage.create({ client: { not: 'redis' } } as never), { code: 'INVALID_ARGUMENT' } as never);
  const prefixed = idleClient({ keyPrefix: 'app:' });
  await t.throwsAsync(UserSessionRedisStorage.create({ client: prefixed }), { code: 'INVALID_ARGUMENT', message: /keyPrefix/ } as never);
  t.is(prefixed.status, 'wait');
});
