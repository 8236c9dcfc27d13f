/**
 * Which sessions ended by maxmemory eviction are reported, per policy: the
 * claims of README.md ("Redis requirements", eviction) and of the CLI's
 * `check`. Two instances, notifications on, 6,000 sessions of 1-4 s that
 * overflow a 3 MB server; then every session ends, and each is either
 * reported once or lost, and lost only if its subject's index was evicted.
 */
import test, { type ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { UserSessionRedisStorage } from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { TestRedis } from '../helpers/redis-server.js';
import { allKeys } from '../helpers/scan.js';
import { waitFor } from '../helpers/wait.js';

const PREFIX = 'ev';
const SUBJECTS = 2000;
const PER_SUBJECT = 3;
const MARKER_SUBJECT = 'marker';

interface Outcome {
  inserted: string[];
  /** Times each session was reported, by either instance. */
  reported: Map<string, number>;
  /** Subjects whose index key Redis evicted. */
  indexEvicted: Set<string>;
  evictedKeys: number;
}

async function overflow(policy: string): Promise<Outcome> {
  const server = await TestRedis.start(['--maxmemory', '3mb', '--maxmemory-policy', policy, '--notify-keyspace-events', 'Egxe']);
  try {
    const storages: UserSessionRedisStorage[] = [];
    const reported = new Map<string, number>();
    for (let i = 0; i < 2; i++) {
      // The default index grace (60 s): Redis's active expiry lags by a second or more when thousands of keys end
      // at once, and an index must outlive its sessions' late notifications.
      const storage = await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix: PREFIX });
      for (const reason of ['expired', 'evicted', 'deleted'] as const) {
        storage.on(reason, (e) => reported.set(`${e.subject}/${e.sessionId}`, (reported.get(`${e.subject}/${e.sessionId}`) ?? 0) + 1));
      }
      storages.push(storage);
    }
    const keys = new KeySchema(PREFIX);
    const indexEvicted = new Set<string>();
    const watcher = await server.client();
    watcher.on('message', (_channel: string, key: string) => {
      const parsed = keys.parseIndexKey(key);
      if (parsed) indexEvicted.add(parsed.subject);
    });
    await watcher.subscribe('__keyevent@0__:evicted');

    const blob = 'x'.repeat(700);
    const sessions: [string, string, number][] = [];
    for (let s = 0; s < SUBJECTS; s++) for (let j = 0; j < PER_SUBJECT; j++) sessions.push([`s${s}`, `i${j}`, 1 + ((s * 7 + j * 3) % 4)]);
    const inserted: string[] = [];
    for (let i = 0; i < sessions.length; i += 100) {
      await Promise.all(
        sessions.slice(i, i + 100).map(([subject, id, ttl], k) =>
          storages[k % 2]!.insert(subject, id, { blob }, ttl).then(
            () => inserted.push(`${subject}/${id}`),
            () => {}, // noeviction: OOM, nothing written
          ),
        ),
      );
    }
    const admin = await server.client();
    const evictedKeys = Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))?.[1]);
    await waitFor('every session value to end', async () => (await valueKeys(admin)) === 0, 30_000);
    await settled(admin, storages, reported);
    for (const storage of storages) await storage.close();
    return { inserted, reported, indexEvicted, evictedKeys };
  } finally {
    await server.stop();
  }
}

async function valueKeys(admin: Redis): Promise<number> {
  return (await allKeys(admin, `${PREFIX}:{*}:s:*`)).length;
}

/**
 * Waits until every notification of an ended value has been handled. A marker
 * deleted last reaches both subscribers after all of them: once one instance
 * reports it, that instance has run a cleanup for every earlier end, so each
 * one's fate is decided; a round trip on each client then brings in the
 * replies (and events) of cleanups the other instance ran first.
 */
async function settled(admin: Redis, storages: UserSessionRedisStorage[], reported: Map<string, number>): Promise<void> {
  await storages[0]!.insert(MARKER_SUBJECT, 'marker', null, 600);
  await admin.del(new KeySchema(PREFIX).valueKey(MARKER_SUBJECT, 'marker'));
  await waitFor('the marker to be reported', () => reported.has(`${MARKER_SUBJECT}/marker`), 10_000);
  await Promise.all(storages.map((s) => s.count('nobody')));
  await new Promise((resolve) => setImmediate(resolve));
}

function lostSessions({ inserted, reported }: Outcome): string[] {
  return inserted.filter((session) => !reported.has(session));
}

function assertEachReportedAtMostOnce(t: { deepEqual(a: unknown, b: unknown, m?: string): void }, outcome: Outcome): void {
  t.deepEqual(
    [...outcome.reported].filter(([, times]) => times > 1),
    [],
    'no session reported twice',
  );
}

test.serial('noeviction: inserts fail when memory is full, nothing is evicted, every ended session is reported once', async (t) => {
  const outcome = await overflow('noeviction');
  t.log(`inserted ${outcome.inserted.length} of ${SUBJECTS * PER_SUBJECT}, evicted keys ${outcome.evictedKeys}`);
  t.true(outcome.inserted.length < SUBJECTS * PER_SUBJECT, 'memory ran out');
  t.is(outcome.evictedKeys, 0);
  t.deepEqual(lostSessions(outcome), []);
  assertEachReportedAtMostOnce(t, outcome);
});

/** Under memory pressure, under 1 in 50 sessions not reported, each of a subject whose index was evicted, none reported twice. */
function assertFewLostOnlyWithTheirIndex(t: ExecutionContext, outcome: Outcome, lost: string[]): void {
  t.true(outcome.evictedKeys > 1000, 'under memory pressure');
  t.true(lost.length < outcome.inserted.length / 50, `${lost.length} lost`);
  t.true(
    lost.every((session) => outcome.indexEvicted.has(session.split('/')[0]!)),
    'only sessions whose index was evicted are lost',
  );
  assertEachReportedAtMostOnce(t, outcome);
}

test.serial('volatile-ttl: sessions are evicted before their index, so nearly every evicted session is reported', async (t) => {
  const outcome = await overflow('volatile-ttl');
  const lost = lostSessions(outcome);
  t.log(
    `evicted keys ${outcome.evictedKeys}, indexes evicted ${outcome.indexEvicted.size}, sessions not reported ${lost.length} of ${outcome.inserted.length}`,
  );
  // Redis samples keys, so the order is approximate: an index now and then goes before some of its sessions.
  assertFewLostOnlyWithTheirIndex(t, outcome, lost);
});

for (const policy of ['volatile-lru', 'volatile-random', 'allkeys-lru', 'allkeys-random']) {
  test.serial(`${policy}: indexes are evicted before their sessions, whose ends are then not reported`, async (t) => {
    const outcome = await overflow(policy);
    const lost = lostSessions(outcome);
    t.log(
      `evicted keys ${outcome.evictedKeys}, indexes evicted ${outcome.indexEvicted.size}, sessions not reported ${lost.length} of ${outcome.inserted.length}`,
    );
    t.true(outcome.indexEvicted.size > 0);
    t.true(lost.length > 0);
    t.true(
      lost.every((session) => outcome.indexEvicted.has(session.split('/')[0]!)),
      'only sessions whose index was evicted are lost',
    );
    assertEachReportedAtMostOnce(t, outcome);
  });
}

for (const policy of ['volatile-lfu', 'allkeys-lfu']) {
  test.serial(
    `${policy}: every operation on a subject counts for its index, so sessions are mostly evicted first; what is lost had its index evicted`,
    async (t) => {
      const outcome = await overflow(policy);
      const lost = lostSessions(outcome);
      t.log(
        `evicted keys ${outcome.evictedKeys}, indexes evicted ${outcome.indexEvicted.size}, sessions not reported ${lost.length} of ${outcome.inserted.length}`,
      );
      assertFewLostOnlyWithTheirIndex(t, outcome, lost);
    },
  );
}
