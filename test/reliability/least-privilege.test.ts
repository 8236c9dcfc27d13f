import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import type { Redis } from 'ioredis';
import { ErrorCode, UserSessionRedisStorage } from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { assertInvariant } from '../helpers/invariant.js';
import {
  aclRules,
  CLUSTER_CLIENT_RULES,
  exerciseEveryOperation,
  KEYEVENT_CHANNEL_RULES,
  PROBE_COMMANDS,
  SCRIPT_COMMANDS,
} from '../helpers/least-privilege.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

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
async function restrictedUser(rules: string[]): Promise<string> {
  const username = `storage${++users}`;
  await admin.call('ACL', 'SETUSER', username, 'reset', 'on', '>secret', ...rules);
  return username;
}

async function restrictedClient(rules: string[]): Promise<Redis> {
  return server.client({ username: await restrictedUser(rules), password: 'secret' });
}

async function aclLog(): Promise<string[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries.map((e) => `${String(e[5])} ${String(e[7])} (${String(e[3])})`);
}

for (const mode of ['configure', 'verify', 'off'] as const) {
  test.serial(`keyspaceEvents '${mode}': a user with exactly the documented rules runs every operation, and nothing is denied`, async (t) => {
    // 'verify' and 'off' are for servers where the operator sets the flags: the user may not.
    await admin.config('SET', 'notify-keyspace-events', mode === 'configure' ? '' : 'Egxe');
    await admin.call('ACL', 'LOG', 'RESET');
    const rules = aclRules('sess', mode);
    if (mode !== 'configure')
      t.false(
        rules.some((r) => /config/i.test(r)),
        `no CONFIG in ${rules.join(' ')}`,
      );
    const client = await restrictedClient(rules);
    const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: mode });
    t.teardown(() => storage.close());
    const ended: string[] = [];
    for (const reason of ['expired', 'evicted'] as const) storage.on(reason, (e) => ended.push(`${reason} ${e.sessionId}`));
    await exerciseEveryOperation(storage);
    // NOSCRIPT recovery reloads through SCRIPT LOAD, which the rules allow.
    await admin.script('FLUSH');
    await storage.insert('u:2', 'x', 'meta', 1);
    t.is(await storage.count('u:2'), 1);
    if (mode !== 'off') {
      await storage.insert('u:2', 'y', 'meta', 600);
      await admin.del(new KeySchema('sess').valueKey('u:2', 'y'));
    }
    if (mode === 'configure') t.regex((await admin.config('GET', 'notify-keyspace-events'))[1]!, /^(?=.*E)(?=.*g)(?=.*x)(?=.*e)/);
    if (mode !== 'off') {
      await waitFor('the expired and evicted events, through the restricted subscriber', () => ended.length === 2, 5000);
      t.deepEqual(ended.sort(), ['evicted y', 'expired x']);
    }
    t.deepEqual(await aclLog(), []);
    await assertInvariant(t, admin, 'sess');
    await storage.deleteAll('u:2');
    await storage.close();
  });
}

for (const mode of ['configure', 'verify', 'off'] as const) {
  test.serial(`keyspaceEvents '${mode}': each documented rule is needed, without any one of them something is refused`, async (t) => {
    const full = aclRules('sess', mode);
    for (const dropped of full) {
      await admin.call('ACL', 'LOG', 'RESET');
      await admin.config('SET', 'notify-keyspace-events', mode === 'configure' ? '' : 'Egxe');
      const client = await restrictedClient(full.filter((r) => r !== dropped));
      let failed = false;
      try {
        const storage = await UserSessionRedisStorage.create({ client, keyspaceEvents: mode });
        try {
          await exerciseEveryOperation(storage);
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
}

test.serial(
  "'configure' given the 'verify' rules (no CONFIG) probes instead: works when the server has Egxe, KEYSPACE_EVENTS_DISABLED when not",
  async (t) => {
    const client = await restrictedClient(aclRules('sess', 'verify'));
    await admin.config('SET', 'notify-keyspace-events', 'Egxe');
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
    t.regex(error.message, /Egxe.*keyspaceEvents: 'off'/);
    t.is((await admin.config('GET', 'notify-keyspace-events'))[1], '');
    t.is(await admin.dbsize(), 0, 'no probe key left behind');
  },
);

test.serial('a user whose key pattern is another prefix can do nothing to this one', async (t) => {
  const client = await restrictedClient(aclRules('other', 'off'));
  const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 'sess', keyspaceEvents: 'off' });
  t.teardown(() => storage.close());
  const error = await t.throwsAsync(storage.insert('u', 's', 1, 60));
  t.is((error as { code?: string }).code, ErrorCode.REDIS_ERROR);
  t.is(await admin.dbsize(), 0);
  await storage.close();
});

test.serial("the key pattern '~sess:{*' covers this storage's keys and not another prefix that starts with 'sess:' ('sess:admin')", async (t) => {
  const dryRun = async (user: string, ...command: string[]) => String(await admin.call('ACL', 'DRYRUN', user, ...command));
  const user = await restrictedUser(aclRules('sess', 'verify'));
  const keys = new KeySchema('sess');
  for (const key of [keys.valueKey('alice', 's1'), keys.indexKey('alice'), keys.markerKey('alice', 's1'), keys.valueKey('', 'probe:1')]) {
    t.is(await dryRun(user, 'SET', key, '1'), 'OK', key);
  }
  for (const key of ['sess:admin', 'sess:admin:{x}:i', 'sess:admin:password', 'sess:}']) {
    t.regex(await dryRun(user, 'SET', key, '1'), /no permissions to access the '.*' key/, key);
  }
  // What the old rule '~sess:*' allowed:
  const broad = await restrictedUser(['~sess:*', '+set']);
  t.is(await dryRun(broad, 'SET', 'sess:admin:password', '1'), 'OK');
  // And the channel rules: the three keyevent channels the subscriber needs, not 'expire' (every insert and touch) nor a pattern.
  t.is(await dryRun(user, 'SUBSCRIBE', '__keyevent@0__:expired', '__keyevent@0__:evicted', '__keyevent@0__:del'), 'OK');
  for (const channel of ['__keyevent@0__:expire', '__keyevent@1__:del', '__keyspace@0__:sess:{a}:s:b']) {
    t.regex(await dryRun(user, 'SUBSCRIBE', channel), /no permissions to access the '.*' channel/, channel);
  }
  t.regex(await dryRun(user, 'PSUBSCRIBE', '__keyevent@0__:*'), /no permissions to run the 'psubscribe' command/);
});

test('the documented script commands are exactly the commands the Lua scripts call', (t) => {
  const dir = new URL('../../lua/', import.meta.url);
  const files = [
    ...readdirSync(dir).map((f) => new URL(f, dir)),
    ...readdirSync(new URL('includes/', dir)).map((f) => new URL(`includes/${f}`, dir)),
  ];
  const called = new Set<string>();
  for (const file of files.filter((u) => u.pathname.endsWith('.lua'))) {
    const lua = readFileSync(file, 'utf8').replace(/--\[\[[\s\S]*?\]\]|--[^\n]*/g, '');
    // Every call goes through `rcall`, so the list below cannot miss one made another way.
    t.deepEqual(
      lua.match(/redis\.p?call\b.*/g) ?? [],
      lua.includes('local rcall') ? ['redis.call'] : [],
      `${file.pathname}: redis.call used only as rcall`,
    );
    for (const [, command] of lua.matchAll(/\brcall\(\s*"([A-Za-z]+)"/g)) called.add(command!.toLowerCase());
    t.notRegex(lua, /\brcall\(\s*[^"\s]/, `${file.pathname}: a command name that is not a literal`);
  }
  t.deepEqual([...called].sort(), [...SCRIPT_COMMANDS].sort());
});

test('docs/acl.md lists the commands and cluster rules of the tested rules, in the same order', (t) => {
  const section = readFileSync(new URL('../../docs/acl.md', import.meta.url), 'utf8');
  const cell = (rules: readonly string[]) => rules.map((r) => `\`${r.replace('|', '\\|')}\``).join(' ');
  t.true(section.includes(cell(SCRIPT_COMMANDS.map((c) => `+${c}`))), 'the scripts row of the rules table');
  t.true(section.includes(SCRIPT_COMMANDS.map((c) => `+${c}`).join(' ')), 'the ACL SETUSER example');
  t.true(section.includes(cell(PROBE_COMMANDS.map((c) => `+${c}`))), 'the probe row');
  t.true(section.includes(`| ${cell([...KEYEVENT_CHANNEL_RULES, '+subscribe'])} `), 'the subscriber row');
  t.true(section.includes(`${KEYEVENT_CHANNEL_RULES.map((r) => `'${r}'`).join(' ')} +subscribe`), 'the subscriber ACL SETUSER example');
  for (const rule of CLUSTER_CLIENT_RULES) t.true(section.includes(`| ${cell([rule])} `), `the cluster table's ${rule} row`);
  t.true(section.includes(CLUSTER_CLIENT_RULES.map((r) => (r.includes('|') ? `'${r}'` : r)).join(' ')), 'the cluster ACL SETUSER example');
});
