import anyTest, { type TestFn } from 'ava';
import { cleanup } from '../../src/operations/cleanup.js';
import { count } from '../../src/operations/count.js';
import { read } from '../../src/operations/read.js';
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
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => runner.run(count, [`p:{s${i}}:i`], [])));
  t.deepEqual(replies, Array(50).fill(0));
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
  const counts = Array.from({ length: 10 }, (_, i) => runner.run(count, [`p:{s${i}}:i`], []));
  t.is(client.autoPipelineQueueSize, 0, 'script calls went straight to the connection');
  t.deepEqual(await Promise.all(counts), Array(10).fill(0));
});

test.serial('a call with a wrong number of KEYS is refused before anything is sent', async (t) => {
  const { redis } = t.context;
  const client = await redis.client();
  const admin = await redis.client();
  const runner = new ScriptRunner(scriptClientOf(client));
  await runner.loadAll();
  await admin.config('RESETSTAT');
  const refused: [() => Promise<unknown>, RegExp][] = [
    // cleanup-2 takes exactly two keys: one too few, one too many.
    [() => runner.run(cleanup, ['p:{a}:s:x'], ['x', '1']), /^script cleanup takes 2 KEYS and was given 1; it was not sent/],
    [() => runner.run(cleanup, ['p:{a}:s:x', 'p:{a}:i', 'p:{a}:s:y'], ['x', '1']), /^script cleanup takes 2 KEYS and was given 3; it was not sent/],
    // read-2 takes its two and then any number of keys (on a cluster: the marker, and the value keys a reuse's revocation needs).
    [() => runner.run(read(), ['p:{a}:s:x'], ['x']), /^script read takes at least 2 KEYS and was given 1; it was not sent/],
    // count-1 takes the index key and then any number of value keys, but never none.
    [() => runner.run(count, [], ['0']), /^script count takes at least 1 KEYS and was given 0; it was not sent/],
  ];
  for (const [call, message] of refused) {
    const error = await t.throwsAsync(call());
    t.regex(error.message, message);
  }
  t.notRegex(await admin.info('commandstats'), /cmdstat_evalsha:/, 'no EVALSHA reached Redis');
  // The variadic count takes value keys after its fixed one: accepted and sent.
  t.deepEqual(await runner.run(count, ['p:{a}:i', 'p:{a}:s:x'], ['1']), 0, 'a count of 0, with nothing ended: the bare reply');
  t.regex(await admin.info('commandstats'), /cmdstat_evalsha:calls=1,/);
});
