import test from 'ava';
import { Redis } from 'ioredis';
import { ErrorCode, UserSessionRedisStorage, type KeyspaceEventsMode } from '../../src/index.js';
import { assertInvariant } from '../helpers/invariant.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The ACL rules documented in README.md ("Least privilege (ACL)"),
 * for key prefix `sess` on database 0. The commands after EVALSHA are the
 * ones the scripts call: Redis checks a script's redis.call()s against the
 * caller's ACL too.
 */
function aclRules(prefix: string, mode: KeyspaceEventsMode): string[] {
  const rules = [
    `~${prefix}:*`,
    '+evalsha',
    '+script|load',
    '+info', // ioredis's ready check on every (re)connect
    ...[
      '+time',
      '+get',
      '+set',
      '+del',
      '+exists',
      '+hget',
      '+hset',
      '+hsetnx',
      '+hdel',
      '+hgetall',
      '+hlen',
      '+hvals',
      '+pttl',
      '+pexpireat',
      '+pexpiretime',
    ],
  ];
  if (mode === 'off') return rules;
  rules.push(`&__keyspace@0__:${prefix}:{*}:s:*`, '+psubscribe', '+config|get');
  if (mode === 'configure') rules.push('+config|set');
  return rules;
}

let server: TestRedis;
let admin: Redis;
test.before(async () => {
  server = await TestRedis.start();
  admin = await server.client();
});
test.after.always(async () => {
  await server?.stop();
});

let users = 0;
async function restrictedClient(rules: string[]): Promise<Redis> {
  const username = `storage${++users}`;
  await admin.call('ACL', 'SETUSER', username, 'reset', 'on', '>secret', ...rules);
  return server.client({ username, password: 'secret' });
}

async function aclLog(): Promise<string[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries.map((e) => `${String(e[5])} ${String(e[7])} (${String(e[3])})`);
}

/** Every operation and every script path (HVALS runs when a delete removes the session bounding the index TTL). */
async function exercise(storage: UserSessionRedisStorage<unknown>): Promise<void> {
  await storage.insert('u:1', 'a', { n: 1 }, 60);
  await storage.insert('u:1', 'b', { n: 2 }, 120);
  await storage.insert('u:1', 'a', { n: 0 }, 60).then(
    () => {
      throw new Error('a duplicate insert succeeded');
    },
    (error: unknown) => {
      if ((error as { code?: string }).code !== ErrorCode.SESSION_ALREADY_EXISTS) throw error;
    },
  );
  await storage.read('u:1', 'a');
  await storage.readAll('u:1');
  await storage.count('u:1');
  await storage.update('u:1', 'a', { n: 3 });
  await storage.touch('u:1', 'a', 30);
  await storage.delete('u:1', 'b');
  await storage.deleteAll('u:1');
}

for (const mode of ['configure', 'verify', 'off'] as const) {
  test.serial(`keyspaceEvents '${mode}': a user with exactly the documented rules runs every operation, and nothing is denied`, async (t) => {
    await admin.config('SET', 'notify-keyspace-events', mode === 'verify' ? 'Kxe' : '');
    await admin.call('ACL', 'LOG', 'RESET');
    const client = await restrictedClient(aclRules('sess', mode));
    const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: mode });
    t.teardown(() => storage.close());
    const expired: string[] = [];
    storage.on('expired', (e) => expired.push(e.sessionId));
    await exercise(storage);
    // NOSCRIPT recovery reloads through SCRIPT LOAD, which the rules allow.
    await admin.script('FLUSH');
    await storage.insert('u:2', 'x', 'meta', 1);
    t.is(await storage.count('u:2'), 1);
    if (mode === 'configure') t.regex((await admin.config('GET', 'notify-keyspace-events'))[1]!, /K.*x|x.*K/);
    if (mode !== 'off') await waitFor('the expiry event, through the restricted subscriber', () => expired.includes('x'), 5000);
    t.deepEqual(await aclLog(), []);
    await assertInvariant(t, admin, 'sess');
    await storage.deleteAll('u:2');
    await storage.close();
  });
}

test.serial('each documented rule is needed: without any one of them something is refused', async (t) => {
  const full = aclRules('sess', 'configure');
  await admin.config('SET', 'notify-keyspace-events', '');
  for (const dropped of full) {
    await admin.call('ACL', 'LOG', 'RESET');
    await admin.config('SET', 'notify-keyspace-events', '');
    const client = await restrictedClient(full.filter((r) => r !== dropped));
    let failed = false;
    try {
      const storage = await UserSessionRedisStorage.create({ client });
      try {
        await exercise(storage);
      } finally {
        await storage.close();
      }
    } catch {
      failed = true;
    }
    const denied = await aclLog();
    t.true(failed || denied.length > 0, `dropping ${dropped} went unnoticed`);
    client.disconnect();
  }
  await admin.flushall();
});

test.serial("a user without CONFIG SET falls back to 'verify': works when the server has the flags, KEYSPACE_EVENTS_DISABLED when not", async (t) => {
  const client = await restrictedClient(aclRules('sess', 'verify'));
  await admin.config('SET', 'notify-keyspace-events', 'Kxe');
  const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: 'configure' });
  t.teardown(() => storage.close());
  const expired: string[] = [];
  storage.on('expired', (e) => expired.push(e.sessionId));
  await storage.insert('u', 'short', null, 1);
  await waitFor('the expiry event', () => expired.includes('short'), 5000);
  await storage.close();

  await admin.config('SET', 'notify-keyspace-events', '');
  const error = await t.throwsAsync(UserSessionRedisStorage.create({ client, keyspaceEvents: 'configure' }));
  t.is((error as { code?: string }).code, ErrorCode.KEYSPACE_EVENTS_DISABLED);
  t.regex(error.message, /Kxe|keyspaceEvents: 'off'/);
  t.is((await admin.config('GET', 'notify-keyspace-events'))[1], '');
  t.is(await admin.dbsize(), 0);
});

test.serial('a user whose key pattern is another prefix can do nothing to this one', async (t) => {
  const client = await restrictedClient(aclRules('other', 'off'));
  const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'sess', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  const error = await t.throwsAsync(storage.insert('u', 's', 1, 60));
  t.is((error as { code?: string }).code, ErrorCode.REDIS_ERROR);
  t.is(await admin.dbsize(), 0);
  await storage.close();
});
