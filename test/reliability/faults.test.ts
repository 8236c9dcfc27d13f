import test, { type ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { UserSessionRedisStorage, type UserSessionStorageOptions } from '../../src/index.js';
import { assertInvariant, assertNothingRemains } from '../helpers/invariant.js';
import { TestRedis } from '../helpers/redis-server.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { recordEvents, runWorkload, sessionKey, type WorkloadResult } from '../helpers/workload.js';

const OPS = 20_000;
const LIMIT = 3;

async function setup(t: ExecutionContext, options: Partial<UserSessionStorageOptions<unknown>> = {}) {
  const server = await TestRedis.start();
  t.teardown(() => server.stop());
  const admin = await server.client();
  const storages = await Promise.all(
    [0, 1].map(async () =>
      UserSessionRedisStorage.create({
        client: await server.client(),
        keyPrefix: 'f',
        concurrentSessions: LIMIT,
        onLimit: 'evict-oldest',
        ...options,
      }),
    ),
  );
  t.teardown(() => Promise.all(storages.map((s) => s.close())));
  return { server, admin, storages, events: recordEvents(storages) };
}

/** The faults' shared workload: two instances, 300 subjects, 32 callers, 1-2 s TTLs, `at` the faults. */
function loadWithFaults(storages: UserSessionRedisStorage<unknown>[], at: Parameters<typeof runWorkload>[0]['at']): Promise<WorkloadResult> {
  return runWorkload({ storages, subjects: 300, callers: 32, ops: OPS, limit: LIMIT, ttls: [1, 2], at });
}

/** Every session reported at most once, none unknown; with `all`, every inserted one exactly once. */
function assertReportedOnce(t: ExecutionContext, result: WorkloadResult, events: Map<string, string[]>, all: boolean): void {
  const twice = [...events].filter(([, e]) => e.length > 1);
  const unknown = [...events.keys()].filter((k) => !result.inserted.has(k) && !result.uncertain.has(k));
  t.deepEqual(twice.slice(0, 5), [], `${twice.length} sessions reported twice`);
  t.deepEqual(unknown.slice(0, 5), [], 'events for sessions never inserted');
  if (all) {
    const missing = [...result.inserted].filter((k) => !events.has(k));
    t.deepEqual(missing.slice(0, 5), [], `${missing.length} sessions never reported`);
  }
}

/** After the fault: operations prune what notifications missed; then everything has ended and nothing is left. */
async function pruneAndDrain(t: ExecutionContext, admin: Redis, storage: UserSessionRedisStorage<unknown>, result: WorkloadResult): Promise<void> {
  await assertInvariant(t, admin, 'f');
  await sleep(2100); // every 1-2 s TTL has passed
  for (const subject of result.subjects) t.is(await storage.count(subject), 0);
  await assertInvariant(t, admin, 'f');
  await assertNothingRemains(t, admin, 'f', 5000);
}

test('SCRIPT FLUSH mid-load: no caller sees an error, every session is reported exactly once', async (t) => {
  const { admin, storages, events } = await setup(t);
  const flush = { ops: 0, run: async () => void (await admin.script('FLUSH')) };
  const result = await loadWithFaults(
    storages,
    [2000, 6000, 10_000, 14_000, 18_000].map((ops) => ({ ...flush, ops })),
  );
  t.deepEqual([...result.errors], [], 'NOSCRIPT is retried invisibly');
  t.true(result.maxSeen <= LIMIT);
  await pruneAndDrain(t, admin, storages[0]!, result);
  await sleep(200);
  assertReportedOnce(t, result, events, true);
});

test('subscriber connections killed while sessions expire: after operations prune, every session reported exactly once', async (t) => {
  const { admin, storages, events } = await setup(t);
  const kill = { ops: 0, run: async () => void (await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')) };
  const result = await loadWithFaults(
    storages,
    [1000, 3000, 5000, 7000, 9000, 11_000, 13_000, 15_000, 17_000, 19_000].map((ops) => ({ ...kill, ops })),
  );
  t.deepEqual(
    [...result.errors].filter(([c]) => c !== 'TOO_MANY_CONCURRENT_SESSIONS'),
    [],
  );
  t.true(result.maxSeen <= LIMIT);
  await pruneAndDrain(t, admin, storages[1]!, result);
  await sleep(200);
  assertReportedOnce(t, result, events, true);
  // The subscribers came back: a new session's expiry is reported without any operation.
  await storages[0]!.insert('after', 'kill', 1, 1);
  // Reported by whichever instance's cleanup removed the entry.
  await waitFor('the expiry of a session inserted after the kills', () => events.has(sessionKey('after', 'kill')), 5000);
  await assertNothingRemains(t, admin, 'f', 5000);
});

test('notifications disabled on the server mid-run: nothing stale is visible, pruning reports every session exactly once', async (t) => {
  const { admin, storages, events } = await setup(t);
  const result = await loadWithFaults(storages, [{ ops: 5000, run: async () => void (await admin.config('SET', 'notify-keyspace-events', '')) }]);
  t.deepEqual(
    [...result.errors].filter(([c]) => c !== 'TOO_MANY_CONCURRENT_SESSIONS'),
    [],
  );
  t.true(result.maxSeen <= LIMIT);
  await assertInvariant(t, admin, 'f');
  await sleep(2100);
  const before = [...events.values()].length;
  // No notification arrives, yet no expired session is visible or counted...
  for (const subject of result.subjects.slice(0, 50)) t.deepEqual([...(await storages[0]!.readAll(subject)).keys()], []);
  t.true([...events.values()].length > before, 'the readAll calls reported the expiries themselves');
  await pruneAndDrain(t, admin, storages[0]!, result);
  await sleep(200);
  assertReportedOnce(t, result, events, true);
});

test('server restarted mid-load: callers get REDIS_ERROR only while it is down, then scripts, subscription and keyspace-events setting come back', async (t) => {
  const { server, admin, storages, events } = await setup(t);
  const runId = async () => /run_id:(\w+)/.exec(await admin.info('server'))?.[1];
  const before = await runId();
  const result = await loadWithFaults(storages, [{ ops: 5000, run: () => server.restart() }]);
  t.log(`errors during the restart: ${JSON.stringify([...result.errors])}`);
  t.not(await runId(), before, 'the server was restarted');
  t.deepEqual(
    [...result.errors.keys()].filter((c) => c !== 'TOO_MANY_CONCURRENT_SESSIONS' && c !== 'REDIS_ERROR'),
    [],
  );
  t.true(result.maxSeen <= LIMIT);
  await waitFor(
    'CONFIG SET re-applied by a subscriber',
    async () => /x/.test((await admin.config('GET', 'notify-keyspace-events'))[1] ?? ''),
    10_000,
  );
  await pruneAndDrain(t, admin, storages[0]!, result);
  // The restart lost its data (no persistence): no session is reported twice, none unknown.
  assertReportedOnce(t, result, events, false);
  await storages[1]!.insert('after', 'restart', 1, 1);
  await waitFor('the expiry of a session inserted after the restart', () => events.has(sessionKey('after', 'restart')), 5000);
  await sleep(200);
  t.deepEqual(events.get(sessionKey('after', 'restart')), ['expired']);
});
