import { subscribe } from 'node:diagnostics_channel';
import anyTest, { type TestFn } from 'ava';
import calculateSlot from 'cluster-key-slot';
import {
  diagnosticsChannels,
  UserSessionRedisStorage,
  UserSessionStorageError,
  type RedirectRetryMessage,
  type UserSessionStorageOptions,
} from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import type { LocalClusterNode } from '../../scripts/cluster.js';
import { ClusterBackend, keysOn } from '../helpers/cluster-backend.js';
import { afterEvents } from '../helpers/own-storage.js';
import { SlotMigration, slotsOf } from '../helpers/slot-migration.js';
import { sleep } from '../helpers/wait.js';
import { record, type Recorded } from '../storage/behaviour-suite.js';

/*
 * A subject's slot stopped half-way through a migration, by hand, in each
 * state redis-cli passes through (test/helpers/slot-migration.ts): a call
 * made then must wait until the slot has settled and answer as if nothing
 * moved. Scripts that touch keys they do not declare fail here: Redis cannot
 * tell them to ask elsewhere, so they fail mid-way ('non local key') or run
 * where only part of the subject is (pruning live sessions as 'evicted').
 */
type Meta = { n: number };
type OnLimit = NonNullable<UserSessionStorageOptions<Meta>['onLimit']>;
type Storage = UserSessionRedisStorage<Meta>;

const test = anyTest as TestFn<{
  backend: ClusterBackend;
  storages: Record<OnLimit, { storage: Storage; events: Recorded }>;
  /** Every case moves one slot of one master (these are its slots)... */
  sourceSlots: ReadonlySet<number>;
  /**
   * ...to this one. Always the same direction: MIGRATE blocks the source
   * until the target has the keys, so two masters migrating to each other
   * at once wait for each other until MIGRATE times out (IOERR).
   */
  to: LocalClusterNode;
}>;

const PREFIX = 'migrating';
const keys = new KeySchema(PREFIX);
/**
 * Each subject starts with these 4 sessions, s<i> with a TTL of 3600 + i
 * seconds: s0 expires first (evict-oldest's choice), s3 last, and s3 is
 * also the index's last entry (a small hash lists its entries in insertion
 * order, a sorted set by expiry).
 */
const SESSIONS = ['s0', 's1', 's2', 's3'];
const LIMIT = SESSIONS.length;
/**
 * How long the call is left pending on the half-moved slot before the
 * migration is finished. Longer than ioredis's own patience: it retries a
 * TRYAGAIN 100 ms later on a random master, which answers MOVED or TRYAGAIN,
 * and gives up after 16 such replies (maxRedirections), 0.8 to 1.6 s. So only
 * a storage that keeps retrying until the slot settles passes. A slot of
 * thousands of keys moved one key at a time (--cluster-pipeline 1) stays
 * half-moved for as long.
 */
const PENDING_MS = 2000;

test.before(async (t) => {
  const backend = await ClusterBackend.start();
  t.context.backend = backend;
  const [from, to] = (await backend.cluster.masters()).sort((a, b) => a.port - b.port);
  t.context.sourceSlots = new Set(await slotsOf(from!));
  t.context.to = to!;
  const open = async (onLimit: OnLimit): Promise<{ storage: Storage; events: Recorded }> => {
    const storage = await UserSessionRedisStorage.create<Meta>({
      client: await backend.clusterClient(),
      keyPrefix: PREFIX,
      concurrentSessions: LIMIT,
      onLimit,
    });
    return { storage, events: record(storage) };
  };
  t.context.storages = { reject: await open('reject'), 'evict-oldest': await open('evict-oldest') };
});
/** Every retry of the redirect retry (docs/observability.md): the calls left pending longer than ioredis's patience need it. */
const redirectRetries: RedirectRetryMessage[] = [];
subscribe(diagnosticsChannels.redirectRetry, (message) => void redirectRetries.push(message as RedirectRetryMessage));
test.after('the calls that outlasted ioredis were sent again, and each retry was traced', (t) => {
  t.true(
    redirectRetries.some((m) => m.willRetry && m.refusal === 'TRYAGAIN' && m.key?.startsWith(`${PREFIX}:`)),
    JSON.stringify(redirectRetries.slice(0, 5)),
  );
});
test.after.always(async (t) => {
  for (const { storage } of Object.values(t.context.storages ?? {})) await storage.close();
  await t.context.backend?.stop();
});

/** Which of a subject's keys are moved before the call; the rest stay on the source until the migration finishes. */
interface Scenario {
  title: string;
  moved(index: string, values: string[]): string[];
  calls: CallName[];
}

const scenarios: Scenario[] = [
  {
    // The first step of every slot redis-cli moves. Every key is still on the
    // source, but there a script may not touch a key that does not exist,
    // even a declared one it has just deleted (Redis 7.0 routes every command
    // inside a script as it would route a client's, and a missing key of a
    // MIGRATING slot is "elsewhere").
    title: '(e) the slot open for migration, no key moved yet',
    moved: () => [],
    calls: ['readAll', 'count', 'deleteAll', 'insert (reject)', 'insert (evict-oldest)', 'delete', 'delete each in turn'],
  },
  {
    title: '(a) some values moved, the index still on the source',
    moved: (_, values) => values.slice(0, 2),
    calls: ['readAll', 'count', 'deleteAll', 'insert (reject)', 'insert (evict-oldest)', 'delete'],
  },
  {
    title: '(b) only the last value moved',
    moved: (_, values) => values.slice(-1),
    calls: ['deleteAll', 'readAll', 'count'],
  },
  {
    // What redis-cli does to every subject with a limit: GETKEYSINSLOT lists
    // the newest key first (Redis 7.0), and with a limit a subject's first
    // value is written before its index, so the index moves before that value.
    title: '(c) the index moved before its values',
    moved: (index) => [index],
    calls: ['readAll', 'count', 'deleteAll', 'insert (reject)', 'insert (evict-oldest)', 'delete'],
  },
  {
    title: '(d) every key moved, the slot not yet given to the target (ASK)',
    moved: (index, values) => [index, ...values],
    calls: ['readAll', 'count', 'deleteAll', 'insert (reject)', 'insert (evict-oldest)', 'delete'],
  },
];

/** What a call must answer on a subject holding SESSIONS, and what it must leave. */
interface Call {
  onLimit: OnLimit;
  run(storage: Storage, subject: string): Promise<unknown>;
  /** The resolved value (normalised: readAll as sorted [id, n] pairs), or the code it must reject with. */
  answer: { resolved: unknown } | { rejected: string };
  /** The sessions live afterwards. */
  live: string[];
  /** The sessions the call ended, each reported 'deleted' once. */
  deleted: string[];
}

const NEW = 'new';
const calls = {
  readAll: {
    onLimit: 'reject',
    run: async (storage, subject) => entries(await storage.readAll(subject)),
    answer: { resolved: entries(SESSIONS.map((id, n) => [id, { n }])) },
    live: SESSIONS,
    deleted: [],
  },
  count: { onLimit: 'reject', run: (storage, subject) => storage.count(subject), answer: { resolved: 4 }, live: SESSIONS, deleted: [] },
  deleteAll: { onLimit: 'reject', run: (storage, subject) => storage.deleteAll(subject), answer: { resolved: 4 }, live: [], deleted: SESSIONS },
  'insert (reject)': {
    onLimit: 'reject',
    run: (storage, subject) => storage.insert(subject, NEW, { n: 4 }, 3600),
    answer: { rejected: 'TOO_MANY_CONCURRENT_SESSIONS' },
    live: SESSIONS,
    deleted: [],
  },
  'insert (evict-oldest)': {
    onLimit: 'evict-oldest',
    run: (storage, subject) => storage.insert(subject, NEW, { n: 4 }, 3600),
    answer: { resolved: undefined },
    live: ['s1', 's2', 's3', NEW],
    deleted: ['s0'],
  },
  delete: {
    onLimit: 'reject',
    // s1: moved in (a), left on the source in (c).
    run: (storage, subject) => storage.delete(subject, 's1'),
    answer: { resolved: true },
    live: ['s0', 's2', 's3'],
    deleted: ['s1'],
  },
  'delete each in turn': {
    onLimit: 'reject',
    // The last delete empties the index, as a logout of a subject's only session does.
    run: async (storage, subject) => {
      const results = [];
      for (const id of SESSIONS) results.push(await storage.delete(subject, id));
      return results;
    },
    answer: { resolved: SESSIONS.map(() => true) },
    live: [],
    deleted: SESSIONS,
  },
} satisfies Record<string, Call>;
type CallName = keyof typeof calls;

/** [id, n] pairs sorted by id: a readAll answer, or what it should be. */
function entries(sessions: Iterable<[string, Meta]>): [string, number][] {
  return [...sessions].map(([id, meta]): [string, number] => [id, meta.n]).sort(([a], [b]) => (a < b ? -1 : 1));
}

const metaOf = (id: string): Meta => ({ n: id === NEW ? 4 : SESSIONS.indexOf(id) });

/** The settled outcome of a call, with the rejection's message kept apart so that the answer compares by code. */
async function settle(call: Promise<unknown>): Promise<{ answer: Call['answer']; message?: string }> {
  try {
    return { answer: { resolved: await call } };
  } catch (error) {
    const code = error instanceof UserSessionStorageError ? error.code : 'not a UserSessionStorageError';
    return { answer: { rejected: code }, message: (error as Error).message };
  }
}

let subjects = 0;
const slotsTaken = new Set<number>();
/** A subject of its own for a case, in a slot of its own among `slots`, so that the cases can migrate their slots at the same time. */
function freshSubject(slots: ReadonlySet<number>): string {
  for (;;) {
    const subject = `subject-${++subjects}`;
    const slot = calculateSlot(keys.indexKey(subject));
    if (!slots.has(slot) || slotsTaken.has(slot)) continue;
    slotsTaken.add(slot);
    return subject;
  }
}

for (const scenario of scenarios) {
  for (const name of scenario.calls) {
    const call: Call = calls[name];
    test(`${scenario.title}: ${name} does not fail, answers exactly, ends no live session, leaves nothing half-written`, async (t) => {
      const { backend } = t.context;
      const { storage, events } = t.context.storages[call.onLimit];
      const subject = freshSubject(t.context.sourceSlots);
      for (const [i, id] of SESSIONS.entries()) await storage.insert(subject, id, metaOf(id), 3600 + i);
      const index = keys.indexKey(subject);
      const migration = await SlotMigration.begin(backend.cluster, calculateSlot(index), t.context.to);
      await migration.move(
        scenario.moved(
          index,
          SESSIONS.map((id) => keys.valueKey(subject, id)),
        ),
      );

      let settled = false;
      const pending = settle(call.run(storage, subject)).finally(() => (settled = true));
      await sleep(PENDING_MS);
      const settledBeforeFinish = settled;
      await migration.finish();
      const { answer, message } = await pending;
      t.log(`the call settled ${settledBeforeFinish ? 'before' : 'after'} the migration finished`);

      await afterEvents();
      const reported = (): string[] =>
        events.events
          .filter((e) => e.subject === subject)
          .map((e) => `${e.reason}/${e.sessionId}`)
          .sort();
      const reportedByTheCall = reported();
      const pattern = `${PREFIX}:{${subject}}:*`;
      const keysLeft = (await backend.keys(pattern)).sort();
      const keysOnTarget = (await keysOn(migration.target, pattern)).sort();
      const readAllAfter = entries(await storage.readAll(subject));
      const readsAfter = Object.fromEntries(await Promise.all([...SESSIONS, NEW].map(async (id) => [id, await storage.read(subject, id)] as const)));
      await afterEvents();

      // One comparison, so that the diff shows everything the call got wrong, not only the first thing.
      const live = call.live.length > 0 ? [index, ...call.live.map((id) => keys.valueKey(subject, id))].sort() : [];
      const deleted = call.deleted.map((id) => `deleted/${id}`).sort();
      t.deepEqual(
        { answer, reportedByTheCall, keysLeft, keysOnTarget, readAllAfter, readsAfter, reportedInAll: reported() },
        {
          answer: call.answer,
          // 'deleted' for each session the call ended; never 'expired' or 'evicted'.
          reportedByTheCall: deleted,
          // Nothing half-written: an index and a value per live session, all on the slot's new owner.
          keysLeft: live,
          keysOnTarget: live,
          readAllAfter: entries(call.live.map((id) => [id, metaOf(id)])),
          readsAfter: Object.fromEntries([...SESSIONS, NEW].map((id) => [id, call.live.includes(id) ? metaOf(id) : undefined])),
          // Reading afterwards found nothing more to report.
          reportedInAll: deleted,
        },
        message ? `the call rejected with: ${message}` : undefined,
      );
    });
  }
}
