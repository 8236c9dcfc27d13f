import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { UserSessionRedisStorage, type EndReason, type OnLimit } from '../../src/index.js';
import { checkInvariant } from '../helpers/invariant.js';
import { TestRedis } from '../helpers/redis-server.js';
import { sleep, waitFor } from '../helpers/wait.js';

/**
 * Model-based test: random sequences of every operation over a few subjects
 * and ids, against a plain in-memory model, with real (short) TTLs so that
 * expiry happens inside the sequences.
 *
 * Time is not simulated. Each session's expiry is known to lie in a window
 * [start of the insert/touch + ttl, its end + ttl] (client clock; the server
 * runs on the same machine). An operation running in [a, b] sees a session
 * as certainly alive (b < window), certainly gone (a > window) or "either":
 * then the model accepts both answers, and learns from the one it got.
 *
 * After each sequence: the invariant (test/helpers/invariant.ts); then,
 * once every session has expired, no key of the prefix is left, and every
 * session the sequence started was reported exactly once, with the right
 * reason ('deleted' if an operation ended it, 'expired' otherwise).
 */

const RUNS = Number(process.env.MODEL_RUNS ?? 8);
/** Covers ms rounding between the client's and the server's clock readings. */
const TOLERANCE_MS = 25;
const SUBJECTS = ['alice', 'b:{o}b'];
const IDS = ['s1', 's2', 's3'];
const LIMIT = 2;

interface Incarnation {
  name: string;
  /** Reasons acceptable for its one event, once the model knows it ended. */
  expected: Set<EndReason> | undefined;
  events: EndReason[];
}

interface Session {
  meta: number;
  lo: number;
  hi: number;
  incarnation: Incarnation;
}

type Status = 'alive' | 'gone' | 'either';

class Model {
  readonly subjects = new Map<string, Map<string, Session>>(SUBJECTS.map((s) => [s, new Map()]));
  readonly incarnations: Incarnation[] = [];
  /** Latest incarnation of each (subject, id): events are attributed to it. */
  readonly latest = new Map<string, Incarnation>();

  sessions(subject: string): Map<string, Session> {
    return this.subjects.get(subject)!;
  }

  status(session: Session | undefined, a: number, b: number): Status {
    if (!session) return 'gone';
    if (b + TOLERANCE_MS < session.lo) return 'alive';
    if (a > session.hi + TOLERANCE_MS) return 'gone';
    return 'either';
  }

  end(subject: string, id: string, reasons: EndReason[]): void {
    const session = this.sessions(subject).get(id);
    if (!session) return;
    session.incarnation.expected = new Set(reasons);
    this.sessions(subject).delete(id);
  }

  start(subject: string, id: string, meta: number, lo: number, hi: number): void {
    const incarnation: Incarnation = { name: `${subject}/${id}#${this.incarnations.length}`, expected: undefined, events: [] };
    this.incarnations.push(incarnation);
    this.latest.set(`${subject}\0${id}`, incarnation);
    this.sessions(subject).set(id, { meta, lo, hi, incarnation });
  }

  /** Sessions of `subject` (except `except`) split by what an operation in [a, b] must have seen. */
  split(subject: string, a: number, b: number, except?: string): { alive: string[]; either: string[] } {
    const alive: string[] = [];
    const either: string[] = [];
    for (const [id, s] of this.sessions(subject)) {
      if (id === except) continue;
      const status = this.status(s, a, b);
      if (status === 'alive') alive.push(id);
      else if (status === 'either') either.push(id);
    }
    return { alive, either };
  }

  /** Ends every session that is certainly gone by `a`: it expired. */
  sweep(a: number): void {
    for (const [subject, sessions] of this.subjects) {
      for (const [id, s] of sessions) if (this.status(s, a, a) === 'gone') this.end(subject, id, ['expired']);
    }
  }
}

interface Event {
  reason: EndReason;
  subject: string;
  sessionId: string;
}

class Real {
  readonly events: Event[] = [];
  private consumed = 0;
  constructor(
    readonly storage: UserSessionRedisStorage<number>,
    readonly onLimit: OnLimit | undefined,
  ) {
    for (const reason of ['expired', 'evicted', 'deleted'] as const) {
      storage.on(reason, (e) => this.events.push({ reason, ...e }));
    }
  }

  /**
   * Events are emitted on process.nextTick after the operation's promise
   * settles; one macrotask later all of them have been. Each is attributed
   * to the latest incarnation of its (subject, id) BEFORE the operation's
   * own result starts a new one.
   */
  async flush(model: Model): Promise<Event[]> {
    await new Promise((r) => setImmediate(r));
    const fresh = this.events.slice(this.consumed);
    this.consumed = this.events.length;
    for (const e of fresh) {
      const incarnation = model.latest.get(`${e.subject}\0${e.sessionId}`);
      assert.ok(incarnation, `event ${e.reason} for ${e.subject}/${e.sessionId}, which was never inserted`);
      incarnation.events.push(e.reason);
    }
    return fresh;
  }
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** Runs `call` and hands its time window [a, b] and the events it caused to `verify`. */
async function timed<T>(model: Model, real: Real, call: () => Promise<T>): Promise<{ value: T; a: number; b: number; events: Event[] }> {
  const a = Date.now();
  const value = await call();
  const b = Date.now();
  const events = await real.flush(model);
  model.sweep(a);
  return { value, a, b, events };
}

const base = (label: string, run: (m: Model, r: Real) => Promise<void>): Cmd => ({
  check: () => true,
  run,
  toString: () => label,
});

const insert = (subject: string, id: string, meta: number, ttl: number): Cmd =>
  base(`insert(${subject}, ${id}, ${meta}, ${ttl})`, async (m, r) => {
    const {
      value: outcome,
      a,
      b,
      events,
    } = await timed(m, r, () =>
      r.storage.insert(subject, id, meta, ttl).then(
        () => 'ok' as const,
        (e: unknown) => (e as { code?: string }).code ?? (e instanceof Error ? e.message : 'unknown error'),
      ),
    );
    const own = m.status(m.sessions(subject).get(id), a, b);
    const { alive, either } = m.split(subject, a, b, id);
    const limited = r.onLimit !== undefined;
    if (outcome === 'SESSION_ALREADY_EXISTS') {
      assert.notEqual(own, 'gone', 'rejected as duplicate, but the session had certainly ended');
      return;
    }
    assert.notEqual(own, 'alive', `insert over a live session: ${outcome}`);
    if (own === 'either') m.end(subject, id, ['expired']);
    if (outcome === 'TOO_MANY_CONCURRENT_SESSIONS') {
      assert.ok(limited && r.onLimit === 'reject', 'limit error without a reject limit');
      assert.ok(alive.length + either.length >= LIMIT, `rejected with only ${alive.length}+${either.length} possibly live sessions`);
      return;
    }
    assert.equal(outcome, 'ok', `unexpected insert failure ${outcome}`);
    const evicted = events.filter((e) => e.reason === 'deleted' && e.subject === subject).map((e) => e.sessionId);
    if (!limited) {
      assert.deepEqual(evicted, [], 'insert without limit ended sessions');
    } else if (r.onLimit === 'reject') {
      assert.ok(alive.length < LIMIT, `inserted over the limit: ${alive.length} sessions were certainly live`);
      assert.deepEqual(evicted, []);
    } else {
      for (const e of evicted) assert.ok(alive.includes(e) || either.includes(e), `evicted ${e}, which was not live`);
      if (evicted.length > 0) {
        const live = evicted.length + LIMIT - 1; // what the script counted
        assert.ok(live >= alive.length && live <= alive.length + either.length, `evicted ${evicted.length} of ${alive.length}+${either.length}`);
      } else {
        assert.ok(alive.length < LIMIT, `no eviction with ${alive.length} certainly live sessions`);
      }
      for (const e of evicted) {
        const gone = m.sessions(subject).get(e)!;
        for (const k of alive.filter((k) => !evicted.includes(k))) {
          const kept = m.sessions(subject).get(k)!;
          assert.ok(!(kept.hi + TOLERANCE_MS < gone.lo), `evicted ${e} although ${k} expires first`);
        }
        m.end(subject, e, ['deleted']);
      }
    }
    m.start(subject, id, meta, a + ttl * 1000, b + ttl * 1000);
  });

const read = (subject: string, id: string): Cmd =>
  base(`read(${subject}, ${id})`, async (m, r) => {
    const { value, a, b } = await timed(m, r, () => r.storage.read(subject, id));
    const session = m.sessions(subject).get(id);
    const status = m.status(session, a, b);
    if (value === undefined) {
      assert.notEqual(status, 'alive', 'read missed a live session');
      m.end(subject, id, ['expired']);
    } else {
      assert.notEqual(status, 'gone', 'read returned an ended session');
      assert.equal(value, session!.meta);
    }
  });

const readAll = (subject: string): Cmd =>
  base(`readAll(${subject})`, async (m, r) => {
    const { value, a, b } = await timed(m, r, () => r.storage.readAll(subject));
    for (const [id, meta] of value) {
      const session = m.sessions(subject).get(id);
      assert.notEqual(m.status(session, a, b), 'gone', `readAll returned ended session ${id}`);
      assert.equal(meta, session!.meta);
    }
    for (const [id, session] of [...m.sessions(subject)]) {
      if (value.has(id)) continue;
      assert.notEqual(m.status(session, a, b), 'alive', `readAll missed live session ${id}`);
      m.end(subject, id, ['expired']);
    }
  });

const count = (subject: string): Cmd =>
  base(`count(${subject})`, async (m, r) => {
    const { value, a, b } = await timed(m, r, () => r.storage.count(subject));
    const { alive, either } = m.split(subject, a, b);
    assert.ok(value >= alive.length && value <= alive.length + either.length, `count ${value}, model ${alive.length}+${either.length}`);
    if (r.onLimit) assert.ok(value <= LIMIT, `count ${value} above the limit`);
  });

const update = (subject: string, id: string, meta: number): Cmd =>
  base(`update(${subject}, ${id}, ${meta})`, async (m, r) => {
    const { value, a, b } = await timed(m, r, () => r.storage.update(subject, id, meta));
    const status = m.status(m.sessions(subject).get(id), a, b);
    if (value) {
      assert.notEqual(status, 'gone', 'updated an ended session');
      m.sessions(subject).get(id)!.meta = meta;
    } else {
      assert.notEqual(status, 'alive', 'update missed a live session');
      m.end(subject, id, ['expired']);
    }
  });

const touch = (subject: string, id: string, ttl: number): Cmd =>
  base(`touch(${subject}, ${id}, ${ttl})`, async (m, r) => {
    const { value, a, b } = await timed(m, r, () => r.storage.touch(subject, id, ttl));
    const session = m.sessions(subject).get(id);
    const status = m.status(session, a, b);
    if (value) {
      assert.notEqual(status, 'gone', 'touched an ended session');
      session!.lo = a + ttl * 1000;
      session!.hi = b + ttl * 1000;
    } else {
      assert.notEqual(status, 'alive', 'touch missed a live session');
      m.end(subject, id, ['expired']);
    }
  });

const del = (subject: string, id: string): Cmd =>
  base(`delete(${subject}, ${id})`, async (m, r) => {
    const { value, a, b } = await timed(m, r, () => r.storage.delete(subject, id));
    const status = m.status(m.sessions(subject).get(id), a, b);
    if (value) {
      assert.notEqual(status, 'gone', 'deleted an ended session');
      m.end(subject, id, ['deleted']);
    } else {
      assert.notEqual(status, 'alive', 'delete missed a live session');
      m.end(subject, id, ['expired']);
    }
  });

const deleteAll = (subject: string): Cmd =>
  base(`deleteAll(${subject})`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, () => r.storage.deleteAll(subject));
    const { alive, either } = m.split(subject, a, b);
    assert.ok(value >= alive.length && value <= alive.length + either.length, `deleteAll ended ${value}, model ${alive.length}+${either.length}`);
    const deleted = events.filter((e) => e.reason === 'deleted').map((e) => e.sessionId);
    assert.equal(deleted.length, value, 'one deleted event per ended session');
    for (const id of [...m.sessions(subject).keys()]) m.end(subject, id, deleted.includes(id) ? ['deleted'] : ['expired']);
  });

const wait = (ms: number): Cmd =>
  base(`wait(${ms})`, async (m, r) => {
    await sleep(ms);
    await r.flush(m);
  });

// Mostly one subject, so that its sessions meet the limit and each other.
const subject = fc.oneof({ arbitrary: fc.constant(SUBJECTS[0]!), weight: 3 }, { arbitrary: fc.constant(SUBJECTS[1]!), weight: 1 });
const id = fc.constantFrom(...IDS);
const meta = fc.integer({ min: 0, max: 99 });
const ttl = fc.constantFrom(1, 2);
const commands = fc.commands(
  [
    fc.tuple(subject, id, meta, ttl).map(([s, i, x, t]) => insert(s, i, x, t)),
    fc.tuple(subject, id, meta, ttl).map(([s, i, x, t]) => insert(s, i, x, t)),
    fc.tuple(subject, id, meta, ttl).map(([s, i, x, t]) => insert(s, i, x, t)),
    fc.tuple(subject, id).map(([s, i]) => read(s, i)),
    subject.map(readAll),
    subject.map(count),
    fc.tuple(subject, id, meta).map(([s, i, x]) => update(s, i, x)),
    fc.tuple(subject, id, ttl).map(([s, i, t]) => touch(s, i, t)),
    fc.tuple(subject, id).map(([s, i]) => del(s, i)),
    subject.map(deleteAll),
    fc.constantFrom(150, 500, 1100).map(wait),
  ],
  { maxCommands: 30, size: 'max' },
);

let server: TestRedis;
let admin: Redis;
test.before(async () => {
  server = await TestRedis.start();
  admin = await server.client();
});
test.after.always(async () => {
  await server?.stop();
});

let runs = 0;
const configurations: [string, OnLimit | undefined][] = [
  ['no limit', undefined],
  [`limit ${LIMIT}, reject`, 'reject'],
  [`limit ${LIMIT}, evict-oldest`, 'evict-oldest'],
];

for (const [label, onLimit] of configurations) {
  test(`model: ${label}`, async (t) => {
    const client = await server.client();
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const prefix = `m${++runs}`;
        const storage = await UserSessionRedisStorage.create<number>({
          client,
          keyPrefix: prefix,
          indexGraceSeconds: 1,
          ...(onLimit ? { concurrentSessions: LIMIT, onLimit } : {}),
        });
        const model = new Model();
        const real = new Real(storage, onLimit);
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          const report = await checkInvariant(admin, prefix);
          assert.deepEqual(report.violations, [], 'invariant after the sequence');
          // Drain: every session expires, the subscriber cleans up, nothing is left.
          const last = Math.max(0, ...[...model.subjects.values()].flatMap((s) => [...s.values()].map((x) => x.hi)));
          await sleep(Math.max(0, last + 2 * TOLERANCE_MS - Date.now()));
          await waitFor(`no key of ${prefix}`, async () => (await checkInvariant(admin, prefix)).keys === 0, 5000);
          // The cleanup's reply (and so its event) may trail the admin connection's view.
          await waitFor(
            'an event for every session',
            async () => {
              await real.flush(model);
              return model.incarnations.every((inc) => inc.events.length > 0);
            },
            3000,
          ).catch(() => {});
          await sleep(100); // a duplicate would arrive now
          await real.flush(model);
          // Every session has expired by now, whatever the model could tell.
          for (const [subject, sessions] of model.subjects) for (const id of [...sessions.keys()]) model.end(subject, id, ['expired']);
          for (const inc of model.incarnations) {
            assert.equal(inc.events.length, 1, `${inc.name} reported ${inc.events.length} times: ${inc.events.join(', ')}`);
            assert.ok(inc.expected?.has(inc.events[0]!), `${inc.name} reported ${inc.events[0]}, expected ${[...(inc.expected ?? [])].join('|')}`);
          }
        } finally {
          await storage.close();
        }
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
    t.pass();
  });
}
