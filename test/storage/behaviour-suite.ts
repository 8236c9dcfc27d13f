/**
 * The storage's behaviour, written once and run against every Backend:
 * test/storage/single-node.test.ts and the cluster tests both call
 * defineBehaviourSuite. Each test uses its own key prefix, so tests in one
 * file run concurrently without seeing each other; tests that disturb the
 * whole deployment (SCRIPT FLUSH, killing subscribers) are serial, and are
 * left out where the deployment is shared with other test files
 * (`tests: 'shareable'`, see ClusterBackend.shared): they run on a cluster
 * of their own (test/cluster/cluster-deployment-wide.test.ts).
 */
import type { ExecutionContext, TestFn } from 'ava';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_CONCURRENT_SESSIONS,
  UserSessionRedisStorage,
  UserSessionStorageError,
  type Codec,
  type EndReason,
  type SessionEndedEvent,
  type UserSessionStorageOptions,
} from '../../src/index.js';
import type { Backend, StorageClient } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { defineLifecycleTests } from './lifecycle-behaviour.js';

/** The suite keeps its backend itself (two suites may share a file); the context carries nothing. */
export type SuiteContext = Record<string, never>;

export type Meta = Record<string, unknown>;
export type Options = Omit<UserSessionStorageOptions<Meta>, 'client' | 'keyPrefix'>;

export interface Recorded {
  events: Array<SessionEndedEvent & { reason: EndReason | 'reused' }>;
  of(reason: EndReason | 'reused'): string[];
}

/** Collects every session event of a storage (ended sessions and reuses). */
export function record(storage: UserSessionRedisStorage<Meta>): Recorded {
  const events: Recorded['events'] = [];
  for (const reason of ['expired', 'evicted', 'deleted', 'rotated', 'reused'] as const) {
    storage.on(reason, (e) => events.push({ ...e, reason }));
  }
  return { events, of: (reason) => events.filter((e) => e.reason === reason).map((e) => `${e.subject}/${e.sessionId}`) };
}

let prefixes = 0;

/** Which of the suite's tests a file runs. */
export interface SuiteSelection {
  /**
   * `'all'` (the default); `'shareable'`: all but the deployment-wide ones
   * (SCRIPT FLUSH, killing every subscriber), for a deployment shared with
   * other test files; `'deployment-wide'`: only those.
   */
  tests?: 'all' | 'shareable' | 'deployment-wide';
  /** Appended to each title: a file that defines the suite twice needs distinct titles. */
  titleSuffix?: string;
}

export type Implementation = (t: ExecutionContext<SuiteContext>) => Promise<void>;

/** What a test of the suite gets. */
export interface Setup {
  storage: UserSessionRedisStorage<Meta>;
  client: StorageClient;
  prefix: string;
  /** Another instance on the same prefix, as another process would have. */
  another(options?: Options): Promise<UserSessionRedisStorage<Meta>>;
  keys(): Promise<string[]>;
}

export function defineBehaviourSuite(test: TestFn<SuiteContext>, startBackend: () => Promise<Backend>, selection: SuiteSelection = {}): void {
  const { tests = 'all', titleSuffix = '' } = selection;
  // The suite's own backend, not t.context's: two suites in one file each have theirs.
  let backend: Backend | undefined;
  test.before(async () => {
    backend = await startBackend();
  });
  test.after.always(async () => {
    await backend?.stop();
  });
  const started = (): Backend => {
    if (!backend) throw new Error('the backend did not start');
    return backend;
  };
  /** A test of the storage alone: it runs wherever the deployment is. */
  const shareable = (title: string, implementation: Implementation): void => {
    if (tests !== 'deployment-wide') test(`${title}${titleSuffix}`, implementation);
  };
  /** A test that disturbs every client of the deployment: serial, and never on a shared one. */
  const deploymentWide = (title: string, implementation: Implementation): void => {
    if (tests !== 'shareable') test.serial(`${title}${titleSuffix}`, implementation);
  };

  async function setup(t: ExecutionContext<SuiteContext>, options: Options = {}): Promise<Setup> {
    const backend = started();
    const prefix = `t${++prefixes}-${randomUUID().slice(0, 8)}`;
    const open = async (o: Options): Promise<UserSessionRedisStorage<Meta>> => {
      const s = await UserSessionRedisStorage.create<Meta>({ client: await backend.client(), keyPrefix: prefix, ...o });
      t.teardown(() => s.close());
      return s;
    };
    const client = await backend.client();
    const storage = await UserSessionRedisStorage.create<Meta>({ client, keyPrefix: prefix, ...options });
    t.teardown(() => storage.close());
    // Redis reclaims expired keys by sampling the keys that have a TTL: a test's thousand long sessions left
    // behind would delay the expiry (and its event) of other tests' short ones, on a deployment shared by files.
    t.teardown(async () => {
      await Promise.all((await backend.keys(`${prefix}:*`)).map((key) => client.unlink(key)));
    });
    return { storage, client, prefix, another: (o = options) => open(o), keys: () => backend.keys(`${prefix}:*`) };
  }

  const code = (c: string) => ({ instanceOf: UserSessionStorageError, code: c });
  defineLifecycleTests({ shareable, setup, code });

  shareable('insert, read, readAll, update, touch, delete, deleteAll and count do what they say', async (t) => {
    const { storage } = await setup(t);
    await storage.insert('alice', 's1', { ip: '10.0.0.1' }, 60);
    await storage.insert('alice', 's2', { ip: '10.0.0.2' }, 60);
    await storage.insert('bob', 's1', { ip: '10.0.0.3' }, 60);
    t.deepEqual(await storage.read('alice', 's1'), { ip: '10.0.0.1' });
    t.is(await storage.read('alice', 'nope'), undefined);
    t.is(await storage.read('carol', 's1'), undefined);
    t.deepEqual([...(await storage.readAll('alice'))].sort(), [
      ['s1', { ip: '10.0.0.1' }],
      ['s2', { ip: '10.0.0.2' }],
    ]);
    t.is((await storage.readAll('carol')).size, 0);
    t.is(await storage.count('alice'), 2);
    t.is(await storage.count('carol'), 0);
    t.true(await storage.update('alice', 's1', { ip: '10.9.9.9' }));
    t.false(await storage.update('alice', 'nope', { ip: 'x' }));
    t.deepEqual(await storage.read('alice', 's1'), { ip: '10.9.9.9' });
    t.true(await storage.touch('alice', 's1', 120));
    t.false(await storage.touch('alice', 'nope', 120));
    t.true(await storage.delete('alice', 's1'));
    t.false(await storage.delete('alice', 's1'));
    t.is(await storage.read('alice', 's1'), undefined);
    t.is(await storage.deleteAll('alice'), 1);
    t.is(await storage.deleteAll('alice'), 0);
    t.is(await storage.count('bob'), 1, 'other subjects are untouched');
  });

  shareable('TTLs: insert sets it, touch resets it, update keeps it; the index outlives the longest session by the grace period', async (t) => {
    const { storage, client, prefix } = await setup(t, { indexGraceSeconds: 30 });
    await storage.insert('u', 'a', { n: 1 }, 100);
    const valueKey = `${prefix}:{u}:s:a`;
    const indexKey = `${prefix}:{u}:i`;
    const pttl = async (key: string) => client.pttl(key);
    t.true((await pttl(valueKey)) > 90_000 && (await pttl(valueKey)) <= 100_000);
    t.true((await pttl(indexKey)) > 120_000 && (await pttl(indexKey)) <= 130_000);
    await storage.touch('u', 'a', 1000);
    t.true((await pttl(valueKey)) > 990_000);
    t.true((await pttl(indexKey)) > 1_020_000 && (await pttl(indexKey)) <= 1_030_000);
    await storage.update('u', 'a', { n: 2 });
    t.true((await pttl(valueKey)) > 990_000, 'update keeps the TTL');
    // Deleting the longest session shrinks the index TTL to the next one.
    await storage.insert('u', 'b', { n: 3 }, 50);
    await storage.delete('u', 'a');
    t.true((await pttl(indexKey)) <= 80_000 && (await pttl(indexKey)) > 70_000);
  });

  shareable('when every session has ended, no key of the storage is left', async (t) => {
    const { storage, keys } = await setup(t);
    const events = record(storage);
    await storage.insert('u1', 'a', {}, 60);
    await storage.insert('u1', 'b', {}, 60);
    await storage.insert('u2', 'a', {}, 60);
    t.is((await keys()).length, 5);
    await storage.insert('u3', 'short', {}, 1);
    await storage.delete('u1', 'a');
    await storage.delete('u1', 'b');
    await storage.deleteAll('u2');
    await waitFor('the expiry of u3/short to be reported', () => events.of('expired').length === 1);
    t.deepEqual(await keys(), []);
    t.deepEqual(events.of('deleted').sort(), ['u1/a', 'u1/b', 'u2/a']);
  });

  shareable('a duplicate (subject, sessionId) is rejected and leaves the existing session untouched', async (t) => {
    const { storage, client, prefix } = await setup(t);
    await storage.insert('u', 'a', { first: true }, 100);
    const before = await client.pttl(`${prefix}:{u}:s:a`);
    await t.throwsAsync(storage.insert('u', 'a', { first: false }, 5000), code('SESSION_ALREADY_EXISTS'));
    t.deepEqual(await storage.read('u', 'a'), { first: true });
    const after = await client.pttl(`${prefix}:{u}:s:a`);
    t.true(after <= before && after > 90_000, 'TTL unchanged');
    // The id can be used again once the session has ended.
    await storage.delete('u', 'a');
    await storage.insert('u', 'a', { again: true }, 100);
    t.deepEqual(await storage.read('u', 'a'), { again: true });
  });

  shareable('parallel inserts from two instances never exceed the limit', async (t) => {
    const { storage, another } = await setup(t, { concurrentSessions: 5 });
    const other = await another();
    const attempts = Array.from({ length: 60 }, (_, i) => (i % 2 ? storage : other).insert('u', `s${i}`, { i }, 60));
    const results = await Promise.allSettled(attempts);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const rejected = results.filter((r) => r.status === 'rejected');
    t.is(ok, 5);
    t.true(rejected.every((r) => r.reason.code === 'TOO_MANY_CONCURRENT_SESSIONS'));
    t.is(await storage.count('u'), 5);
    t.is((await other.readAll('u')).size, 5);
    await storage.delete('u', [...(await storage.readAll('u')).keys()][0]!);
    await other.insert('u', 'later', {}, 60);
    await t.throwsAsync(storage.insert('u', 'too-many', {}, 60), code('TOO_MANY_CONCURRENT_SESSIONS'));
  });

  shareable(`without concurrentSessions, a subject holds at most ${DEFAULT_CONCURRENT_SESSIONS} live sessions`, async (t) => {
    const { storage, client, prefix } = await setup(t, { keyspaceEvents: 'off' });
    for (let i = 0; i < DEFAULT_CONCURRENT_SESSIONS; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => storage.insert('u', `s${i + j}`, {}, 600)));
    }
    await t.throwsAsync(storage.insert('u', 'one-more', {}, 600), code('TOO_MANY_CONCURRENT_SESSIONS'));
    // A session removed from outside (no notification here) frees its place: the limit counts live sessions only.
    await client.del(`${prefix}:{u}:s:s7`);
    await storage.insert('u', 'one-more', {}, 600);
    t.is(await storage.count('u'), DEFAULT_CONCURRENT_SESSIONS);
  });

  shareable("at the limit, entries of sessions removed from outside are pruned and reported 'evicted', and do not count", async (t) => {
    const { storage, client, prefix } = await setup(t, { keyspaceEvents: 'off', concurrentSessions: 3, onLimit: 'evict-oldest' });
    const events = record(storage);
    await storage.insert('u', 'a', {}, 100);
    await storage.insert('u', 'b', {}, 200);
    await storage.insert('u', 'c', {}, 300);
    await client.del(`${prefix}:{u}:s:a`);
    await storage.insert('u', 'd', {}, 400);
    t.deepEqual([...(await storage.readAll('u')).keys()], ['b', 'c', 'd'], 'b survives: a, gone already, made the room');
    await waitFor('the evicted event', () => events.events.length === 1);
    t.deepEqual(events.of('evicted'), ['u/a']);
    t.deepEqual(events.of('deleted'), []);
  });

  shareable("onLimit 'evict-oldest' ends the live session that expires first and reports it deleted", async (t) => {
    const { storage, another } = await setup(t, { concurrentSessions: 3, onLimit: 'evict-oldest' });
    const events = record(storage);
    await storage.insert('u', 'long', {}, 500);
    await storage.insert('u', 'first-to-expire', {}, 100);
    await storage.insert('u', 'middle', {}, 300);
    await storage.insert('u', 'new', {}, 400);
    t.deepEqual([...(await storage.readAll('u')).keys()].sort(), ['long', 'middle', 'new']);
    await waitFor('the deleted event', () => events.of('deleted').length === 1);
    t.deepEqual(events.of('deleted'), ['u/first-to-expire']);
    // Parallel inserts from two instances still never exceed the limit.
    const other = await another();
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? storage : other).insert('v', `s${i}`, {}, 60 + i)));
    t.is(await storage.count('v'), 3);
  });

  shareable('each expiry is reported exactly once across two subscribed instances', async (t) => {
    const { storage, another, keys } = await setup(t);
    const other = await another();
    const a = record(storage);
    const b = record(other);
    const expected: string[] = [];
    for (let i = 0; i < 30; i++) {
      await (i % 2 ? storage : other).insert(`user-${i % 7}`, `s${i}`, { i }, 1);
      expected.push(`user-${i % 7}/s${i}`);
    }
    await waitFor('30 expired events', () => a.events.length + b.events.length >= 30);
    const all = [...a.of('expired'), ...b.of('expired')];
    t.deepEqual([...all].sort(), [...expected].sort(), 'every session once, none twice');
    await waitFor('the last index to be removed', async () => (await keys()).length === 0);
    t.is(a.events.length + b.events.length, 30);
  });

  shareable("with keyspaceEvents 'off', readAll, count, deleteAll and insert's limit check drop and report stale sessions once", async (t) => {
    const { storage, client, prefix } = await setup(t, { keyspaceEvents: 'off', concurrentSessions: 2 });
    const events = record(storage);
    await storage.insert('u', 'a', {}, 1);
    await storage.insert('u', 'b', {}, 1);
    await waitFor('both values to expire', async () => (await client.exists(`${prefix}:{u}:s:a`, `${prefix}:{u}:s:b`)) === 0);
    t.is(await storage.count('u'), 0);
    t.is(await storage.count('u'), 0);
    await waitFor('events', () => events.events.length === 2);
    t.deepEqual(events.of('expired').sort(), ['u/a', 'u/b']);
    // readAll
    await storage.insert('v', 'a', {}, 1);
    await waitFor('expiry', async () => (await client.exists(`${prefix}:{v}:s:a`)) === 0);
    t.is((await storage.readAll('v')).size, 0);
    // insert's limit check: two stale entries do not count against the limit
    await storage.insert('w', 'a', {}, 1);
    await storage.insert('w', 'b', {}, 1);
    await waitFor('expiry', async () => (await client.exists(`${prefix}:{w}:s:a`, `${prefix}:{w}:s:b`)) === 0);
    await storage.insert('w', 'c', {}, 60);
    await storage.insert('w', 'd', {}, 60);
    t.is(await storage.count('w'), 2);
    // deleteAll
    await storage.insert('x', 'a', {}, 1);
    await storage.insert('x', 'b', {}, 60);
    await waitFor('expiry', async () => (await client.exists(`${prefix}:{x}:s:a`)) === 0);
    t.is(await storage.deleteAll('x'), 1);
    await waitFor('all events', () => events.events.length === 7);
    t.deepEqual(events.of('expired').sort(), ['u/a', 'u/b', 'v/a', 'w/a', 'w/b', 'x/a']);
    t.deepEqual(events.of('deleted'), ['x/b']);
  });

  shareable('without notifications, each insert and touch removes up to 16 entries of sessions that ended over a second ago', async (t) => {
    const { storage, client, prefix } = await setup(t, { keyspaceEvents: 'off' });
    const events = record(storage);
    const index = `${prefix}:{u}:i`;
    await storage.insert('u', 'live', {}, 600);
    // At once: one after another, on a loaded machine the last inserts would come over a second after the
    // first ones expired, and prune them.
    await Promise.all(Array.from({ length: 20 }, (_, i) => storage.insert('u', `old${i}`, {}, 1)));
    const lastExpiry = Number(await client.zscore(index, 'old19'));
    await waitFor("a second past the old sessions' expiry", async () => {
      const [sec] = (await client.call('TIME')) as [string, string];
      return Number(sec) * 1000 > lastExpiry + 2000;
    });
    t.is(await client.zcard(index), 21, 'nothing pruned them yet');
    await storage.insert('u', 'new', {}, 600);
    t.is(await client.zcard(index), 21 + 1 - 16, 'insert removed 16, oldest first');
    t.true(await storage.touch('u', 'live', 600));
    t.deepEqual((await client.zrange(index, '0', '-1')).sort(), ['live', 'new'], 'touch removed the other 4');
    await waitFor('20 expired events', () => events.events.length === 20);
    t.is(events.of('expired').length, 20, 'each reported once');
  });

  shareable("a value that vanished before its expiry is reported 'evicted'", async (t) => {
    const { storage, client, prefix } = await setup(t, { keyspaceEvents: 'off' });
    const events = record(storage);
    await storage.insert('u', 'a', {}, 600);
    await storage.insert('u', 'b', {}, 600);
    await client.del(`${prefix}:{u}:s:a`);
    t.is(await storage.read('u', 'a'), undefined);
    t.is(await storage.count('u'), 1);
    await waitFor('the evicted event', () => events.events.length === 1);
    t.deepEqual(events.of('evicted'), ['u/a']);
  });

  shareable('fail closed: without its index entry a value is no session, and read removes it', async (t) => {
    const { storage, client, prefix, keys } = await setup(t);
    const events = record(storage);
    await storage.insert('u', 'a', { secret: 1 }, 600);
    await client.del(`${prefix}:{u}:i`);
    t.is(await storage.read('u', 'a'), undefined);
    t.is(await storage.read('u', 'a'), undefined);
    t.deepEqual(await keys(), [], 'the orphan value was removed');
    await storage.insert('u', 'b', {}, 600);
    await client.del(`${prefix}:{u}:i`);
    t.is(await storage.deleteAll('u'), 0);
    t.false(await storage.update('u', 'b', { stolen: true }));
    t.false(await storage.touch('u', 'b', 600));
    t.false(await storage.delete('u', 'b'));
    t.deepEqual(await keys(), [], 'delete removed the orphan too');
    await waitFor('two evicted events', () => events.events.length >= 2);
    t.deepEqual(events.of('evicted'), ['u/a', 'u/b'], 'the call that removed each orphan reported it, once');
    // An orphan value does not block a new session with its id.
    await storage.insert('u', 'c', { old: true }, 600);
    await client.del(`${prefix}:{u}:i`);
    await storage.insert('u', 'c', { new: true }, 600);
    t.deepEqual(await storage.read('u', 'c'), { new: true });
  });

  shareable('subjects and session ids of any characters map to distinct keys and round-trip', async (t) => {
    const { storage } = await setup(t);
    const ids = ['a:b', 'a', 'a}', 'a%7D', '{a}', '}{', '%', '%25', 'x:{y}:s:z', 'émoji 🎉', 'line\nbreak', ' ', 'i', 's:a', '\u0000nul'];
    for (const subject of ids) {
      for (const sessionId of ids) {
        await storage.insert(subject, sessionId, { subject, sessionId }, 60);
      }
    }
    for (const subject of ids) {
      const all = await storage.readAll(subject);
      t.is(all.size, ids.length, `subject ${JSON.stringify(subject)}`);
      for (const sessionId of ids) {
        t.deepEqual(all.get(sessionId), { subject, sessionId });
        t.deepEqual(await storage.read(subject, sessionId), { subject, sessionId });
      }
    }
    t.is(await storage.deleteAll('a}'), ids.length);
    t.is(await storage.count('a%7D'), ids.length);
  });

  shareable('expiry of sessions with awkward subjects is reported with the exact subject and id', async (t) => {
    const { storage } = await setup(t);
    const events = record(storage);
    await storage.insert('a}b{c:%7D', 'id:{x}', {}, 1);
    await waitFor('the expiry', () => events.events.length === 1);
    t.deepEqual(events.events[0], { subject: 'a}b{c:%7D', sessionId: 'id:{x}', reason: 'expired' });
  });

  shareable('storages with different prefixes never see each other', async (t) => {
    const first = await setup(t);
    const second = await setup(t);
    const firstEvents = record(first.storage);
    await first.storage.insert('u', 'a', { from: 1 }, 60);
    await second.storage.insert('u', 'a', { from: 2 }, 1);
    t.deepEqual(await first.storage.read('u', 'a'), { from: 1 });
    t.deepEqual(await second.storage.read('u', 'a'), { from: 2 });
    t.is(await second.storage.deleteAll('u'), 1);
    t.is(await first.storage.count('u'), 1);
    await second.storage.insert('u', 'b', {}, 1);
    await waitFor('second prefix expiry', async () => (await second.keys()).length === 0);
    t.is(firstEvents.events.length, 0);
  });

  shareable('bad input is rejected with INVALID_ARGUMENT before anything is written', async (t) => {
    const { storage, keys } = await setup(t);
    await storage.insert('u', 'existing', {}, 60);
    const before = (await keys()).sort();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const long = 'x'.repeat(1025);
    const multiByte = 'é'.repeat(513); // 513 characters, 1026 UTF-8 bytes
    const s = storage as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const bad: Array<[string, unknown[]]> = [
      ...[0, -1, 1.5, NaN, Infinity, '10', null, undefined, 2 ** 31].map((ttl): [string, unknown[]] => ['insert', ['u', 'n', {}, ttl]]),
      ...[0, -1, 1.5, NaN, Infinity, '10'].map((ttl): [string, unknown[]] => ['touch', ['u', 'existing', ttl]]),
      ...['', 1, null, undefined, {}, long, multiByte, '\ud800'].flatMap((id): Array<[string, unknown[]]> => [
        ['insert', [id, 'n', {}, 60]],
        ['insert', ['u', id, {}, 60]],
        ['read', [id, 'existing']],
        ['read', ['u', id]],
        ['readAll', [id]],
        ['update', [id, 'existing', {}]],
        ['update', ['u', id, {}]],
        ['touch', ['u', id, 60]],
        ['delete', ['u', id]],
        ['delete', [id, 'existing']],
        ['deleteAll', [id]],
        ['count', [id]],
      ]),
      ['insert', ['u', 'n', cyclic, 60]],
      ['insert', ['u', 'n', undefined, 60]],
      ['update', ['u', 'existing', cyclic]],
    ];
    for (const [method, args] of bad) {
      await t.throwsAsync(
        Promise.resolve().then(() => s[method]!(...args)),
        code('INVALID_ARGUMENT'),
        `${method}(${args.map(String).join(', ')})`,
      );
    }
    t.deepEqual((await keys()).sort(), before);
    t.deepEqual(await storage.read('u', 'existing'), {});
    // The longest valid id is accepted.
    await storage.insert('x'.repeat(1024), 'é'.repeat(512), { ok: true }, 60);
    t.deepEqual(await storage.read('x'.repeat(1024), 'é'.repeat(512)), { ok: true });
  });

  shareable('binary metadata round-trips, custom codecs work, and a value of another codec is an error', async (t) => {
    const { storage, another } = await setup(t);
    await storage.insert('u', 'bin', { raw: Buffer.from([0, 255, 1, 254]), nested: { list: [1, 'two', null] } }, 60);
    t.deepEqual(await storage.read('u', 'bin'), { raw: Buffer.from([0, 255, 1, 254]), nested: { list: [1, 'two', null] } });
    const json: Codec<Meta> = {
      formatTag: 0x4a,
      encode: (m) => Buffer.from(JSON.stringify(m)),
      decode: (b) => JSON.parse(b.toString()) as Meta,
    };
    const jsonStorage = await another({ codec: json });
    await jsonStorage.insert('u', 'json', { via: 'json' }, 60);
    t.deepEqual(await jsonStorage.read('u', 'json'), { via: 'json' });
    await t.throwsAsync(storage.read('u', 'json'), code('VALUE_FORMAT_MISMATCH'));
    await t.throwsAsync(jsonStorage.readAll('u'), code('VALUE_FORMAT_MISMATCH'));
  });

  shareable("close() stops the storage and leaves the caller's client open", async (t) => {
    const { storage, client } = await setup(t);
    await storage.close();
    await t.throwsAsync(storage.read('u', 'a'), code('STORAGE_CLOSED'));
    t.is(await client.ping(), 'PONG');
  });

  deploymentWide('SCRIPT FLUSH between calls is invisible to callers, also for concurrent calls', async (t) => {
    const { storage } = await setup(t);
    await storage.insert('u', 'a', { n: 1 }, 60);
    await started().scriptFlush();
    t.deepEqual(await storage.read('u', 'a'), { n: 1 });
    await started().scriptFlush();
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => storage.insert('u', `p${i}`, { i }, 60)),
      ...Array.from({ length: 20 }, () => storage.read('u', 'a')),
      storage.count('u'),
    ]);
    t.deepEqual(results.slice(20, 40), Array(20).fill({ n: 1 }));
    t.is(await storage.count('u'), 21);
  });

  deploymentWide('sessions that expire while the subscriber is disconnected are still pruned and reported once', async (t) => {
    const { storage, another, keys } = await setup(t);
    const other = await another();
    const a = record(storage);
    const b = record(other);
    for (let i = 0; i < 10; i++) await storage.insert('u', `s${i}`, {}, 1);
    await started().killSubscribers();
    await waitFor('all sessions to be gone', async () => (await storage.count('u')) === 0);
    await waitFor('ten events', () => a.events.length + b.events.length >= 10);
    t.deepEqual([...a.of('expired'), ...b.of('expired')].sort(), Array.from({ length: 10 }, (_, i) => `u/s${i}`).sort());
    t.deepEqual(await keys(), []);
    // The subscribers came back: a later expiry is reported without any operation.
    await storage.insert('u', 'later', {}, 1);
    await waitFor('the later expiry to be reported', () => a.events.length + b.events.length === 11);
    t.deepEqual(
      [...a.of('expired'), ...b.of('expired')].filter((id) => id === 'u/later'),
      ['u/later'],
    );
  });
}
