import test, { type ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { KeySchema } from '../../src/keys/key-schema.js';
import { ErrorCode, UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { assertInvariant, checkInvariant } from '../helpers/invariant.js';
import { TestRedis } from '../helpers/redis-server.js';
import { sleep, waitFor } from '../helpers/wait.js';

const keys = new KeySchema('t');

/**
 * Fires operations while the server cannot answer within the client's
 * commandTimeout. A timed-out operation fails as "outcome unknown" (or "not
 * sent"), and the storage resets its connection. Checked on the raw keys,
 * before any read could tidy up: each session is whole (value and index
 * entry) or absent (neither), never half. And a read from another instance,
 * sent after the calls failed, sees each session as it finally is: whatever
 * a timed-out call did, it did before that read.
 */
async function timedOutCallsAreAllOrNothing(
  t: ExecutionContext,
  stall: (admin: Redis) => Promise<unknown>,
  afterwards: { ranLater: 'none' | 'some' },
): Promise<void> {
  const server = await TestRedis.start(['--enable-debug-command', 'yes']);
  t.teardown(() => server.stop());
  const admin = await server.client();
  const staller = await server.client();
  const client = await server.client({ commandTimeout: 400, maxRetriesPerRequest: 0 });
  const storage = await UserSessionRedisStorage.create({ client, keyPrefix: 't', concurrentSessions: 3, onLimit: 'evict-oldest' });
  t.teardown(() => storage.close());
  const elsewhere = await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix: 't', keyspaceEvents: 'off' });
  t.teardown(() => elsewhere.close());
  for (let i = 0; i < 20; i++) await storage.insert(`u${i % 5}`, `old${i}`, { i }, 60);

  const stalled = stall(staller);
  await sleep(50);
  const calls: [string, string, Promise<unknown>][] = [];
  for (let i = 0; i < 20; i++) {
    calls.push([`u${i % 5}`, `new${i}`, storage.insert(`u${i % 5}`, `new${i}`, { i }, 60)]);
    calls.push([`u${i % 5}`, `old${i}`, i % 2 ? storage.delete(`u${i % 5}`, `old${i}`) : storage.touch(`u${i % 5}`, `old${i}`, 120)]);
  }
  calls.push(['u0', '*', storage.deleteAll('u0')]);
  const outcomes = await Promise.allSettled(calls.map(([, , p]) => p));
  const timedOut = outcomes.filter((o) => o.status === 'rejected');
  t.true(timedOut.length > 0, 'the stall made calls time out');
  const unsent = new Set<string>();
  for (const [i, o] of outcomes.entries()) {
    if (o.status !== 'rejected') continue;
    const error = o.reason as UserSessionStorageError;
    t.is(error.code, ErrorCode.REDIS_ERROR);
    t.regex(error.message, /may or may not have happened \(entirely or not at all, never in part\)|was not sent and did not happen/);
    if (/was not sent/.test(error.message)) unsent.add(calls[i]![1]);
  }
  // Sent during the stall, after every call failed; answered once it ends.
  const sessions = calls.filter(([, id]) => id !== '*');
  const seen = sessions.map(([subject, id]) => elsewhere.read(subject, id));
  await stalled;
  t.log(`${outcomes.length - timedOut.length} calls answered, ${timedOut.length} failed, ${unsent.size} of them unsent`);
  await sleep(300); // the server runs what it had received

  const report = await assertInvariant(t, admin, 't'); // strict: no orphan value, no entry without value
  t.deepEqual(report.orphanValues, []);
  for (const [subject, id] of calls.map(([s, i]) => [s, i] as const).filter(([, i]) => i !== '*')) {
    const value = await admin.exists(keys.valueKey(subject, id));
    const entry = (await admin.zscore(keys.indexKey(subject), id)) === null ? 0 : 1;
    t.is(value, entry, `${subject}/${id}: value ${value}, index entry ${entry}`);
  }
  for (const [i, [subject, id]] of sessions.entries()) {
    t.is((await seen[i]) !== undefined, (await admin.exists(keys.valueKey(subject, id))) === 1, `${subject}/${id} read after the failure`);
  }
  let happened = 0;
  for (let i = 0; i < 20; i++) {
    const exists = await admin.exists(keys.valueKey(`u${i % 5}`, `new${i}`));
    happened += exists;
    if (unsent.has(`new${i}`)) t.is(exists, 0, `new${i} was not sent, yet it happened`);
  }
  t.log(`timed-out inserts that happened, whole: ${happened}`);
  if (afterwards.ranLater === 'none') t.is(happened, 0, 'the reset connection took its paused commands with it');
  for (let i = 0; i < 5; i++) t.true((await storage.count(`u${i}`)) <= 3);
  // And the storage works again.
  await storage.insert('after', 'stall', 1, 60);
  t.is(await storage.read('after', 'stall'), 1);
  await storage.deleteAll('after');
}

test.serial(
  'CLIENT PAUSE with commandTimeout: a timed-out call never runs after the pause (its connection is reset), a read after it tells',
  async (t) => {
    await timedOutCallsAreAllOrNothing(t, (staller) => staller.call('CLIENT', 'PAUSE', '1500', 'ALL'), { ranLater: 'none' });
  },
);

test.serial('DEBUG SLEEP (a slow server) with commandTimeout: a timed-out call ran entirely or not at all, before any later read', async (t) => {
  // The sleeping server had received the calls: it runs (some of) them as it wakes, before it reads anything sent later.
  await timedOutCallsAreAllOrNothing(t, (staller) => staller.call('DEBUG', 'SLEEP', '1.5'), { ranLater: 'some' });
});

for (const policy of ['allkeys-lru', 'volatile-lru']) {
  test(`maxmemory ${policy}: values and whole indexes are evicted, and no session stays readable that readAll/deleteAll cannot see`, async (t) => {
    const server = await TestRedis.start(['--maxmemory', '3mb', '--maxmemory-policy', policy]);
    t.teardown(() => server.stop());
    const admin = await server.client();
    const storage = await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix: 'mm' });
    t.teardown(() => storage.close());
    let evictedEvents = 0;
    storage.on('evicted', () => evictedEvents++);
    const blob = 'x'.repeat(700);
    const subjects = Array.from({ length: 2500 }, (_, i) => `s${i}`);
    const sessions: [string, string][] = subjects.flatMap(
      (s) =>
        [
          [s, 'a'],
          [s, 'b'],
        ] as [string, string][],
    );
    for (let i = 0; i < sessions.length; i += 100) {
      await Promise.all(sessions.slice(i, i + 100).map(([s, id]) => storage.insert(s, id, { blob, s, id }, 600).catch(() => {})));
    }
    const evictedKeys = Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))?.[1]);
    t.true(evictedKeys > 1000, `evicted_keys ${evictedKeys}`);
    const report = await checkInvariant(admin, 'mm');
    t.true(report.orphanValues.length > 0, 'some whole indexes were evicted (values left without index)');
    // Evicted values: the subscriber's cleanup removes their entries and reports them.
    await waitFor('evicted events from the subscriber (values were evicted)', () => evictedEvents > 0, 5000);
    t.log(`evicted_keys ${evictedKeys}, orphan values ${report.orphanValues.length}, evicted events ${evictedEvents}`);

    // No session readable that readAll cannot see; none readable after deleteAll.
    const visible = new Map<string, Set<string>>();
    for (const s of subjects) visible.set(s, new Set((await storage.readAll(s)).keys()));
    let readable = 0;
    for (const [s, id] of sessions) {
      const value = await storage.read(s, id);
      if (value !== undefined) {
        readable++;
        t.true(visible.get(s)!.has(id), `${s}/${id} readable but not in readAll`);
      }
    }
    t.true(readable > 0);
    let ended = 0;
    for (const s of subjects) ended += await storage.deleteAll(s);
    t.is(ended, readable);
    for (const [s, id] of sessions) if ((await storage.read(s, id)) !== undefined) t.fail(`${s}/${id} survived deleteAll`);
    // The orphans were removed by the reads (fail closed): nothing is left.
    await assertInvariant(t, admin, 'mm');
    t.is(await admin.dbsize(), 0);
  });
}
