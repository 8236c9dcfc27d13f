import anyTest, { type TestFn } from 'ava';
import { luaScripts } from '../../src/scripts/lua.generated.js';
import { scriptClientOf } from '../../src/scripts/script-client.js';
import { ScriptRunner, scriptSha } from '../../src/scripts/script-runner.js';
import { TestRedis } from '../helpers/redis-server.js';

const test = anyTest as TestFn<{ redis: TestRedis }>;
test.before(async (t) => {
  t.context.redis = await TestRedis.start();
});
test.after.always(async (t) => {
  await t.context.redis?.stop();
});

test.serial('loadAll caches every script under the SHA the runner sends', async (t) => {
  const client = await t.context.redis.client();
  await client.script('FLUSH');
  await new ScriptRunner(scriptClientOf(client)).loadAll();
  const names = Object.keys(luaScripts) as Array<keyof typeof luaScripts>;
  t.deepEqual(
    await client.script('EXISTS', ...names.map(scriptSha)),
    names.map(() => 1),
  );
});

test.serial('NOSCRIPT on fifty concurrent calls reloads each script once and retries every call', async (t) => {
  const { redis } = t.context;
  const client = await redis.client({ enableAutoPipelining: true });
  const admin = await redis.client();
  const runner = new ScriptRunner(scriptClientOf(client));
  await admin.script('FLUSH');
  await admin.config('RESETSTAT');
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => runner.run('count', [`p:{s${i}}:i`], [])));
  t.deepEqual(replies, Array(50).fill([0, []]));
  const stats = await admin.info('commandstats');
  t.regex(stats, /cmdstat_script\|load:calls=1,/, 'one reload for fifty NOSCRIPT replies');
  t.notRegex(stats, /cmdstat_eval:/, 'never sends a script body with EVAL');
});

test.serial("EVALSHA bypasses the client's auto-pipeline, which would hold each batch until the last one is answered", async (t) => {
  const client = await t.context.redis.client({ enableAutoPipelining: true });
  const runner = new ScriptRunner(scriptClientOf(client));
  await runner.loadAll();
  const gets = Array.from({ length: 10 }, (_, i) => client.get(`p:{s${i}}:s:x`));
  t.is(client.autoPipelineQueueSize, 10, 'plain commands of the tick wait in the auto-pipeline');
  await Promise.all(gets);
  const counts = Array.from({ length: 10 }, (_, i) => runner.run('count', [`p:{s${i}}:i`], []));
  t.is(client.autoPipelineQueueSize, 0, 'script calls went straight to the connection');
  t.deepEqual(await Promise.all(counts), Array(10).fill([0, []]));
});
