import test from 'ava';
import { UserSessionRedisStorage } from '../../src/index.js';
import { assertInvariant, assertNothingRemains } from '../helpers/invariant.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';
import { recordEvents, runWorkload } from '../helpers/workload.js';

const OPS = Number(process.env.LOAD_OPS ?? 100_000);
const LIMIT = 3;

test('load: two instances, 64 callers, 100k mixed operations, 1-2 s TTLs: limit kept, invariant holds, every session reported exactly once', async (t) => {
  t.timeout(100_000);
  const server = await TestRedis.start();
  t.teardown(() => server.stop());
  const admin = await server.client();
  // One instance rejects at the limit, the other evicts: the limit holds for both, across both.
  const storages = [
    await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix: 'load', concurrentSessions: LIMIT, onLimit: 'reject' }),
    await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix: 'load', concurrentSessions: LIMIT, onLimit: 'evict-oldest' }),
  ];
  t.teardown(() => Promise.all(storages.map((s) => s.close())));
  const events = recordEvents(storages);
  const started = Date.now();
  const result = await runWorkload({ storages, subjects: 1500, callers: 64, ops: OPS, limit: LIMIT, ttls: [1, 2] });
  t.log(`${result.done} operations in ${Date.now() - started} ms; ${result.inserted.size} sessions; errors ${JSON.stringify([...result.errors])}`);
  t.is(result.done, OPS);
  t.deepEqual(
    [...result.errors.keys()].filter((c) => c !== 'TOO_MANY_CONCURRENT_SESSIONS'),
    [],
    'only limit rejections',
  );
  t.true(result.maxSeen <= LIMIT, `a subject had ${result.maxSeen} live sessions`);
  t.true(result.maxSeen === LIMIT, 'the workload reached the limit');
  await assertInvariant(t, admin, 'load');

  // Everything expires; the subscribers clean up; nothing is left.
  await assertNothingRemains(t, admin, 'load', 15_000);
  await waitFor('an event for every session', () => [...result.inserted].every((k) => events.has(k)), 10_000).catch(() => {});
  await new Promise((r) => setTimeout(r, 200)); // duplicates would arrive now
  const missing = [...result.inserted].filter((k) => !events.has(k));
  const twice = [...events].filter(([, e]) => e.length > 1);
  const unknown = [...events.keys()].filter((k) => !result.inserted.has(k));
  t.deepEqual(missing.slice(0, 5), [], `${missing.length} sessions never reported`);
  t.deepEqual(twice.slice(0, 5), [], `${twice.length} sessions reported twice`);
  t.deepEqual(unknown.slice(0, 5), [], 'events for sessions never inserted');
  const reasons = new Map<string, number>();
  for (const [, [reason]] of events) reasons.set(reason!, (reasons.get(reason!) ?? 0) + 1);
  t.log(`events: ${JSON.stringify([...reasons])}`);
  t.true((reasons.get('expired') ?? 0) > 0 && (reasons.get('deleted') ?? 0) > 0);
});
