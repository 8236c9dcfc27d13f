import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { UserSessionRedisStorage, type EndReason, type OnLimit, type OnReuse } from '../../src/index.js';
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
 * Rotation: the model keeps each session's token family (the id of the
 * first session of its rotation chain) and each rotated id's marker, whose
 * expiry is known the same way (by default, the rotated session's own).
 * With only three ids, rotated ids keep coming back to every operation
 * that takes one: a reuse ('reused', and what onReuse revokes, as
 * 'deleted'), a retry of the same rotation (true, nothing happens), or,
 * once the id was inserted again, an ordinary session.
 *
 * After each sequence: the invariant (test/helpers/invariant.ts); then,
 * once every session and marker has expired, no key of the prefix is left,
 * and every session the sequence started was reported exactly once, with
 * the right reason ('deleted' if an operation ended it, 'rotated' if a
 * rotation did, 'expired' otherwise). Every 'reused' event is checked by
 * the call it came from.
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

/** An expiry known to lie in [lo, hi] (client clock). */
interface Expiring {
  lo: number;
  hi: number;
}

interface Session extends Expiring {
  meta: number;
  /** Its token family: the id of the first session of its rotation chain. */
  family: string;
  incarnation: Incarnation;
}

/** What `rotate` leaves under the old id: reuse detection and retries. */
interface Marker extends Expiring {
  newId: string;
  family: string;
}

interface Rotation {
  id: string;
  newId: string;
  ttl: number;
  meta: number | undefined;
}

type Status = 'alive' | 'gone' | 'either';

class Model {
  readonly subjects = new Map<string, Map<string, Session>>(SUBJECTS.map((s) => [s, new Map()]));
  readonly markerMaps = new Map<string, Map<string, Marker>>(SUBJECTS.map((s) => [s, new Map()]));
  /** Each subject's last successful rotation, for retries. */
  readonly lastRotation = new Map<string, Rotation>();
  readonly incarnations: Incarnation[] = [];
  /** Latest incarnation of each (subject, id): events are attributed to it. */
  readonly latest = new Map<string, Incarnation>();

  sessions(subject: string): Map<string, Session> {
    return this.subjects.get(subject)!;
  }

  markers(subject: string): Map<string, Marker> {
    return this.markerMaps.get(subject)!;
  }

  status(expiring: Expiring | undefined, a: number, b: number): Status {
    if (!expiring) return 'gone';
    if (b + TOLERANCE_MS < expiring.lo) return 'alive';
    if (a > expiring.hi + TOLERANCE_MS) return 'gone';
    return 'either';
  }

  end(subject: string, id: string, reasons: EndReason[]): void {
    const session = this.sessions(subject).get(id);
    if (!session) return;
    session.incarnation.expected = new Set(reasons);
    this.sessions(subject).delete(id);
  }

  start(subject: string, id: string, meta: number, lo: number, hi: number, family = id): void {
    const incarnation: Incarnation = { name: `${subject}/${id}#${this.incarnations.length}`, expected: undefined, events: [] };
    this.incarnations.push(incarnation);
    this.latest.set(`${subject}\0${id}`, incarnation);
    this.sessions(subject).set(id, { meta, lo, hi, family, incarnation });
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

  /** Ends every session that is certainly gone by `a` (it expired), and forgets such markers. */
  sweep(a: number): void {
    for (const [subject, sessions] of this.subjects) {
      for (const [id, s] of sessions) if (this.status(s, a, a) === 'gone') this.end(subject, id, ['expired']);
      for (const [id, marker] of this.markers(subject)) if (this.status(marker, a, a) === 'gone') this.markers(subject).delete(id);
    }
  }

  /** When the last session or marker expires, at the latest. */
  lastExpiry(): number {
    const all = [...this.subjects.values(), ...this.markerMaps.values()].flatMap((m) => [...m.values()].map((x: Expiring) => x.hi));
    return Math.max(0, ...all);
  }
}

type Reported = EndReason | 'reused';

interface Event {
  reason: Reported;
  subject: string;
  sessionId: string;
}

interface ReuseSettings {
  onReuse: OnReuse;
  /** undefined: the default window (what the rotated session had left). */
  reuseDetectionSeconds: number | undefined;
}

class Real {
  readonly events: Event[] = [];
  private consumed = 0;
  constructor(
    readonly storage: UserSessionRedisStorage<number>,
    readonly onLimit: OnLimit | undefined,
    readonly reuse: ReuseSettings,
  ) {
    for (const reason of ['expired', 'evicted', 'deleted', 'rotated', 'reused'] as const) {
      storage.on(reason, (e) => this.events.push({ reason, ...e }));
    }
  }

  /**
   * Events are emitted on process.nextTick after the operation's promise
   * settles; one macrotask later all of them have been. Each ended session
   * is attributed to the latest incarnation of its (subject, id) BEFORE the
   * operation's own result starts a new one. 'reused' reports no ended
   * session: the call that caused it checks it.
   */
  async flush(model: Model): Promise<Event[]> {
    await new Promise((r) => setImmediate(r));
    const fresh = this.events.slice(this.consumed);
    this.consumed = this.events.length;
    for (const e of fresh) {
      if (e.reason === 'reused') continue;
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

/** The ids of `events` of `reason` (of `subject`, when given). */
function idsOf(events: Event[], reason: Reported, subject?: string): string[] {
  return events.filter((e) => e.reason === reason && (subject === undefined || e.subject === subject)).map((e) => e.sessionId);
}

/** A call that presents no session id ends nothing by rotation and meets no reuse. */
function assertNoRotationEvents(events: Event[], call: string): void {
  assert.deepEqual(idsOf(events, 'reused'), [], `${call} reported a reuse`);
  assert.deepEqual(idsOf(events, 'rotated'), [], `${call} reported a rotation`);
}

/** A call that found (and kept) its live session: nothing ended by it. */
function assertNothingEnded(events: Event[], call: string): void {
  assertNoRotationEvents(events, call);
  assert.deepEqual(idsOf(events, 'deleted'), [], `${call} deleted sessions`);
}

/**
 * A call given (subject, id) found no live session: the session had ended,
 * and the call either pruned what was left of it, met nothing, or met the
 * id's rotation marker: a reuse, with onReuse's revocation.
 */
function checkNoSession(m: Model, r: Real, subject: string, id: string, a: number, b: number, events: Event[], call: string): void {
  const status = m.status(m.sessions(subject).get(id), a, b);
  assert.notEqual(status, 'alive', `${call} missed a live session`);
  m.end(subject, id, ['expired']);
  assert.deepEqual(idsOf(events, 'rotated'), [], `${call} found no session but reported a rotation`);
  const marker = m.markers(subject).get(id);
  const markerStatus = m.status(marker, a, b);
  const reused = events.filter((e) => e.reason === 'reused');
  if (reused.length === 0) {
    assert.deepEqual(idsOf(events, 'deleted'), [], `${call} ended sessions without a reuse`);
    // Reuse detection looks for the marker only when the id has no index
    // entry left: one this call pruned (reported now) comes first.
    const pruned = events.some((e) => e.subject === subject && e.sessionId === id && (e.reason === 'expired' || e.reason === 'evicted'));
    if (!pruned) {
      assert.notEqual(markerStatus, 'alive', `${call}: the rotated id ${id} was presented, and no reuse was reported`);
      m.markers(subject).delete(id); // 'either': it has expired
    }
    return;
  }
  assert.deepEqual(
    reused.map((e) => `${e.subject}/${e.sessionId}`),
    [`${subject}/${id}`],
    `${call}: the reuse reported`,
  );
  assert.notEqual(markerStatus, 'gone', `${call}: reuse reported for ${id}, which has no live rotation marker`);
  revoke(m, r, subject, marker!.family, a, b, events, call);
}

/** Checks the 'deleted' events of a reuse against what onReuse revokes, and ends those sessions. */
function revoke(m: Model, r: Real, subject: string, family: string, a: number, b: number, events: Event[], call: string): void {
  const deleted = idsOf(events, 'deleted');
  assert.deepEqual(idsOf(events, 'deleted', subject), deleted, `${call}: a reuse revoked sessions of another subject`);
  assert.equal(new Set(deleted).size, deleted.length, `${call}: a session revoked twice`);
  if (r.reuse.onReuse === 'report') {
    assert.deepEqual(deleted, [], `${call}: onReuse 'report' revoked sessions`);
    return;
  }
  for (const id of deleted) {
    const session = m.sessions(subject).get(id);
    assert.notEqual(m.status(session, a, b), 'gone', `${call}: revoked ${id}, which had ended`);
    assert.ok(
      r.reuse.onReuse === 'revoke-subject' || session!.family === family,
      `${call}: revoked ${id} of family ${session!.family}, not ${family}`,
    );
  }
  for (const [id, session] of [...m.sessions(subject)]) {
    if (deleted.includes(id)) {
      m.end(subject, id, ['deleted']);
    } else if (r.reuse.onReuse === 'revoke-subject' || session.family === family) {
      // Not revoked although in scope: its value was gone, so it had ended.
      assert.notEqual(m.status(session, a, b), 'alive', `${call}: the reuse left ${id} (family ${session.family}) live`);
      m.end(subject, id, ['expired']);
    }
  }
}

const base = (label: string | (() => string), run: (m: Model, r: Real) => Promise<void>): Cmd => ({
  check: () => true,
  run,
  toString: typeof label === 'string' ? () => label : label,
});

const codeOf = (e: unknown): string => (e as { code?: string }).code ?? (e instanceof Error ? e.message : 'unknown error');

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
        (e: unknown) => codeOf(e),
      ),
    );
    assertNoRotationEvents(events, 'insert');
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
    const evicted = idsOf(events, 'deleted', subject);
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
    const { value, a, b, events } = await timed(m, r, () => r.storage.read(subject, id));
    const session = m.sessions(subject).get(id);
    const status = m.status(session, a, b);
    if (value === undefined) {
      checkNoSession(m, r, subject, id, a, b, events, 'read');
    } else {
      assert.notEqual(status, 'gone', 'read returned an ended session');
      assert.equal(value, session!.meta);
      assertNothingEnded(events, 'read');
    }
  });

const readAll = (subject: string, withExpiry: boolean): Cmd =>
  base(`readAll(${subject}${withExpiry ? ', { withExpiry: true }' : ''})`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, async () =>
      withExpiry
        ? r.storage.readAll(subject, { withExpiry: true })
        : new Map([...(await r.storage.readAll(subject))].map(([id, metaData]) => [id, { metaData, expiresAt: undefined }])),
    );
    assertNothingEnded(events, 'readAll');
    let previous = -Infinity;
    for (const [id, { metaData, expiresAt }] of value) {
      const session = m.sessions(subject).get(id);
      assert.notEqual(m.status(session, a, b), 'gone', `readAll returned ended session ${id}`);
      assert.equal(metaData, session!.meta);
      if (expiresAt !== undefined) {
        assert.ok(expiresAt >= session!.lo - TOLERANCE_MS && expiresAt <= session!.hi + TOLERANCE_MS, `readAll: ${id} expires at ${expiresAt}`);
        assert.ok(expiresAt >= previous, 'readAll withExpiry lists the sessions in the order they expire');
        previous = expiresAt;
        session!.lo = session!.hi = expiresAt;
      }
    }
    for (const [id, session] of [...m.sessions(subject)]) {
      if (value.has(id)) continue;
      assert.notEqual(m.status(session, a, b), 'alive', `readAll missed live session ${id}`);
      m.end(subject, id, ['expired']);
    }
  });

const count = (subject: string): Cmd =>
  base(`count(${subject})`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, () => r.storage.count(subject));
    assertNothingEnded(events, 'count');
    const { alive, either } = m.split(subject, a, b);
    assert.ok(value >= alive.length && value <= alive.length + either.length, `count ${value}, model ${alive.length}+${either.length}`);
    if (r.onLimit) assert.ok(value <= LIMIT, `count ${value} above the limit`);
  });

const update = (subject: string, id: string, meta: number): Cmd =>
  base(`update(${subject}, ${id}, ${meta})`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, () => r.storage.update(subject, id, meta));
    const status = m.status(m.sessions(subject).get(id), a, b);
    if (value) {
      assert.notEqual(status, 'gone', 'updated an ended session');
      assertNothingEnded(events, 'update');
      m.sessions(subject).get(id)!.meta = meta;
    } else {
      checkNoSession(m, r, subject, id, a, b, events, 'update');
    }
  });

const touch = (subject: string, id: string, ttl: number): Cmd =>
  base(`touch(${subject}, ${id}, ${ttl})`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, () => r.storage.touch(subject, id, ttl));
    const session = m.sessions(subject).get(id);
    const status = m.status(session, a, b);
    if (value) {
      assert.notEqual(status, 'gone', 'touched an ended session');
      assertNothingEnded(events, 'touch');
      session!.lo = a + ttl * 1000;
      session!.hi = b + ttl * 1000;
    } else {
      checkNoSession(m, r, subject, id, a, b, events, 'touch');
    }
  });

const readAndTouch = (subject: string, id: string, ttl: number, minRemainingSeconds: number): Cmd =>
  base(`readAndTouch(${subject}, ${id}, ${ttl}, { minRemainingSeconds: ${minRemainingSeconds} })`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, () => r.storage.readAndTouch(subject, id, ttl, { minRemainingSeconds }));
    const session = m.sessions(subject).get(id);
    const status = m.status(session, a, b);
    if (value === undefined) {
      checkNoSession(m, r, subject, id, a, b, events, 'readAndTouch');
      return;
    }
    assert.notEqual(status, 'gone', 'readAndTouch returned an ended session');
    assertNothingEnded(events, 'readAndTouch');
    assert.equal(value.metaData, session!.meta);
    const { expiresAt } = value;
    const slid = expiresAt >= a + ttl * 1000 - TOLERANCE_MS && expiresAt <= b + ttl * 1000 + TOLERANCE_MS;
    const kept = expiresAt >= session!.lo - TOLERANCE_MS && expiresAt <= session!.hi + TOLERANCE_MS;
    assert.ok(slid || kept, `readAndTouch: expiresAt ${expiresAt} is neither the new expiry nor the old one`);
    const minRemainingMs = minRemainingSeconds * 1000;
    if (minRemainingMs === 0 || a + minRemainingMs > session!.hi + TOLERANCE_MS) {
      assert.ok(slid, 'readAndTouch did not slide a session with less than minRemainingSeconds left');
    } else if (b + minRemainingMs + TOLERANCE_MS < session!.lo) {
      assert.ok(kept, 'readAndTouch wrote although the session had minRemainingSeconds left');
    }
    session!.lo = session!.hi = expiresAt;
  });

const del = (subject: string, id: string): Cmd =>
  base(`delete(${subject}, ${id})`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, () => r.storage.delete(subject, id));
    const status = m.status(m.sessions(subject).get(id), a, b);
    if (value) {
      assert.notEqual(status, 'gone', 'deleted an ended session');
      assertNoRotationEvents(events, 'delete');
      assert.deepEqual(idsOf(events, 'deleted'), [id]);
      m.end(subject, id, ['deleted']);
    } else {
      checkNoSession(m, r, subject, id, a, b, events, 'delete');
    }
  });

const deleteAll = (subject: string): Cmd =>
  base(`deleteAll(${subject})`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, () => r.storage.deleteAll(subject));
    assertNoRotationEvents(events, 'deleteAll');
    const { alive, either } = m.split(subject, a, b);
    assert.ok(value >= alive.length && value <= alive.length + either.length, `deleteAll ended ${value}, model ${alive.length}+${either.length}`);
    const deleted = idsOf(events, 'deleted');
    assert.equal(deleted.length, value, 'one deleted event per ended session');
    for (const id of [...m.sessions(subject).keys()]) m.end(subject, id, deleted.includes(id) ? ['deleted'] : ['expired']);
  });

const deleteOthers = (subject: string, keep: string): Cmd =>
  base(`deleteOthers(${subject}, ${keep})`, async (m, r) => {
    const { value, a, b, events } = await timed(m, r, () => r.storage.deleteOthers(subject, keep));
    assertNoRotationEvents(events, 'deleteOthers');
    const { alive, either } = m.split(subject, a, b, keep);
    assert.ok(value >= alive.length && value <= alive.length + either.length, `deleteOthers ended ${value}, model ${alive.length}+${either.length}`);
    const deleted = idsOf(events, 'deleted');
    assert.deepEqual(idsOf(events, 'deleted', subject), deleted, 'deleteOthers ended sessions of another subject');
    assert.equal(deleted.length, value, 'one deleted event per ended session');
    assert.ok(!deleted.includes(keep), 'deleteOthers ended the kept session');
    for (const id of deleted) assert.ok(alive.includes(id) || either.includes(id), `deleteOthers ended ${id}, which was not live`);
    for (const id of [...m.sessions(subject).keys()]) {
      if (id !== keep) m.end(subject, id, deleted.includes(id) ? ['deleted'] : ['expired']);
    }
  });

/** rotate(subject, id -> newId), checked against the model: a rotation, a retry of one already done, SESSION_ALREADY_EXISTS, or no session (a reuse, maybe). */
async function runRotate(m: Model, r: Real, subject: string, rotation: Rotation): Promise<void> {
  const { id, newId, ttl, meta } = rotation;
  const call = `rotate(${subject}, ${id} -> ${newId})`;
  const { value, a, b, events } = await timed(m, r, () => r.storage.rotate(subject, id, newId, ttl, meta).then((done) => done, codeOf));
  const old = m.sessions(subject).get(id);
  const oldStatus = m.status(old, a, b);
  const targetStatus = m.status(m.sessions(subject).get(newId), a, b);
  const rotated = idsOf(events, 'rotated');
  if (value === 'SESSION_ALREADY_EXISTS') {
    assert.notEqual(oldStatus, 'gone', `${call}: the new id was checked although the old session had ended`);
    assert.notEqual(targetStatus, 'gone', `${call}: SESSION_ALREADY_EXISTS, but ${newId} had ended`);
    assertNothingEnded(events, call);
    return;
  }
  if (value === true && rotated.length > 0) {
    assert.deepEqual(rotated, [id], `${call}: the rotated event`);
    assert.notEqual(oldStatus, 'gone', `${call}: rotated an ended session`);
    assert.notEqual(targetStatus, 'alive', `${call}: replaced the live session ${newId}`);
    assert.deepEqual(idsOf(events, 'reused'), [], `${call}: a rotation reported a reuse`);
    assert.deepEqual(idsOf(events, 'deleted'), [], `${call}: a rotation deleted sessions`);
    m.end(subject, newId, ['expired']);
    const { family, meta: oldMeta, lo, hi } = old!;
    const window = r.reuse.reuseDetectionSeconds;
    m.markers(subject).set(id, window === undefined ? { newId, family, lo, hi } : { newId, family, lo: a + window * 1000, hi: b + window * 1000 });
    m.end(subject, id, ['rotated']);
    m.start(subject, newId, meta ?? oldMeta, a + ttl * 1000, b + ttl * 1000, family);
    m.lastRotation.set(subject, rotation);
    return;
  }
  const marker = m.markers(subject).get(id);
  if (value === true) {
    // A retry of a rotation already done: nothing happens.
    assert.notEqual(oldStatus, 'alive', `${call}: true without rotating the live session`);
    m.end(subject, id, ['expired']);
    assert.ok(marker && marker.newId === newId, `${call}: true for no rotation, ${marker ? `the marker names ${marker.newId}` : 'no marker'}`);
    assert.notEqual(m.status(marker, a, b), 'gone', `${call}: a retry answered after the marker expired`);
    assertNothingEnded(events, call);
    return;
  }
  assert.equal(value, false, `${call}: unexpected failure`);
  if (marker?.newId === newId && idsOf(events, 'reused').length > 0) assert.fail(`${call}: a retry of the same rotation reported as a reuse`);
  checkNoSession(m, r, subject, id, a, b, events, call);
}

const rotate = (subject: string, id: string, newId: string, ttl: number, meta: number | undefined): Cmd =>
  base(`rotate(${subject}, ${id}, ${newId}, ${ttl}${meta === undefined ? '' : `, ${meta}`})`, (m, r) =>
    runRotate(m, r, subject, { id, newId, ttl, meta }),
  );

/** The subject's last successful rotation again, as a client retries after a lost reply. */
const retryRotate = (subject: string): Cmd => {
  let label = `retryRotate(${subject})`;
  return base(
    () => label,
    async (m, r) => {
      const last = m.lastRotation.get(subject);
      if (!last) {
        label = `retryRotate(${subject}): no rotation yet`;
        return;
      }
      label = `retryRotate(${subject}): rotate(${subject}, ${last.id}, ${last.newId}, ${last.ttl}${last.meta === undefined ? '' : `, ${last.meta}`})`;
      await runRotate(m, r, subject, last);
    },
  );
};

/**
 * A command chosen when it runs, from what the model holds then: random ids
 * alone rarely line up a live session with a free id, or come back to a
 * rotated one while its marker lives.
 */
const chosen = (name: string, choose: (m: Model) => Cmd[]): Cmd => {
  let label = name;
  return base(
    () => label,
    async (m, r) => {
      const cmds = choose(m);
      label = `${name}: ${cmds.join('; ')}`;
      for (const cmd of cmds) await cmd.run(m, r);
    },
  );
};

/** Commands that rotate a live session of the subject (inserted first if it has none) to an id without session. */
function rotationOfLive(m: Model, subject: string, ttl: number, meta: number | undefined): Cmd[] {
  const now = Date.now();
  const live = IDS.find((i) => m.status(m.sessions(subject).get(i), now, now) === 'alive');
  const free = IDS.filter((i) => !m.sessions(subject).has(i));
  if (live === undefined) {
    const [from = IDS[0]!, to = IDS.find((i) => i !== from)!] = free;
    return [insert(subject, from, 0, 2), rotate(subject, from, to, ttl, meta)];
  }
  return [rotate(subject, live, free[0] ?? IDS.find((i) => i !== live)!, ttl, meta)];
}

const rotateLive = (subject: string, ttl: number, meta: number | undefined): Cmd =>
  chosen(`rotateLive(${subject})`, (m) => rotationOfLive(m, subject, ttl, meta));

/** readAndTouch of a live session of the subject, if it has one: what every authenticated request does. */
const readAndTouchLive = (subject: string, ttl: number, minRemainingSeconds: number): Cmd =>
  chosen(`readAndTouchLive(${subject})`, (m) => {
    const now = Date.now();
    const live = IDS.find((i) => m.status(m.sessions(subject).get(i), now, now) === 'alive') ?? IDS[0]!;
    return [readAndTouch(subject, live, ttl, minRemainingSeconds)];
  });

const PRESENTERS = ['read', 'touch', 'readAndTouch', 'update', 'delete', 'rotate'] as const;

/**
 * Presents the subject's most recently rotated id to one of the calls that
 * check for a reuse (rotating a live session first when the model knows no
 * marker that is certainly still there).
 */
const replay = (subject: string, presenter: (typeof PRESENTERS)[number], ttl: number, meta: number): Cmd =>
  chosen(`replay(${subject}, ${presenter})`, (m) => {
    const now = Date.now();
    const latest = [...m.markers(subject)].sort(([, x], [, y]) => y.hi - x.hi)[0];
    const before = latest && m.status(latest[1], now, now) === 'alive' ? [] : rotationOfLive(m, subject, 2, undefined);
    const present = (m2: Model): Cmd => {
      const [rotatedId, marker] = [...m2.markers(subject)].sort(([, x], [, y]) => y.hi - x.hi)[0] ?? [IDS[0]!, undefined];
      const other = IDS.find((i) => i !== rotatedId && i !== marker?.newId)!;
      return {
        read: () => read(subject, rotatedId),
        touch: () => touch(subject, rotatedId, ttl),
        readAndTouch: () => readAndTouch(subject, rotatedId, ttl, 0),
        update: () => update(subject, rotatedId, meta),
        delete: () => del(subject, rotatedId),
        rotate: () => rotate(subject, rotatedId, other, ttl, undefined),
      }[presenter]();
    };
    // The id to present is known only once the rotation before it has run.
    let presented: Cmd | undefined;
    const deferred = base(
      () => presented?.toString() ?? `${presenter}(the latest rotated id)`,
      async (m2, r) => {
        presented = present(m2);
        await presented.run(m2, r);
      },
    );
    return [...before, deferred];
  });

const wait = (ms: number): Cmd =>
  base(`wait(${ms})`, async (m, r) => {
    await sleep(ms);
    const events = await r.flush(m);
    assertNoRotationEvents(events, 'no call');
  });

// Mostly one subject, so that its sessions meet the limit and each other.
const subject = fc.oneof({ arbitrary: fc.constant(SUBJECTS[0]!), weight: 3 }, { arbitrary: fc.constant(SUBJECTS[1]!), weight: 1 });
const id = fc.constantFrom(...IDS);
const twoIds = fc.constantFrom(...IDS.flatMap((x) => IDS.filter((y) => y !== x).map((y) => [x, y] as const)));
const meta = fc.integer({ min: 0, max: 99 });
const ttl = fc.constantFrom(1, 2);
const commands = fc.commands(
  [
    fc.tuple(subject, id, meta, ttl).map(([s, i, x, t]) => insert(s, i, x, t)),
    fc.tuple(subject, id, meta, ttl).map(([s, i, x, t]) => insert(s, i, x, t)),
    fc.tuple(subject, id, meta, ttl).map(([s, i, x, t]) => insert(s, i, x, t)),
    fc.tuple(subject, id).map(([s, i]) => read(s, i)),
    fc.tuple(subject, fc.boolean()).map(([s, e]) => readAll(s, e)),
    subject.map(count),
    fc.tuple(subject, id, meta).map(([s, i, x]) => update(s, i, x)),
    fc.tuple(subject, id, ttl).map(([s, i, t]) => touch(s, i, t)),
    fc.tuple(subject, id, ttl, fc.constantFrom(0, 1)).map(([s, i, t, min]) => readAndTouch(s, i, t, min)),
    fc.tuple(subject, ttl, fc.constantFrom(0, 1)).map(([s, t, min]) => readAndTouchLive(s, t, min)),
    fc.tuple(subject, id).map(([s, i]) => del(s, i)),
    subject.map(deleteAll),
    fc.tuple(subject, id).map(([s, i]) => deleteOthers(s, i)),
    fc.tuple(subject, twoIds, ttl, fc.option(meta, { nil: undefined })).map(([s, [i, n], t, x]) => rotate(s, i, n, t, x)),
    subject.map(retryRotate),
    fc.tuple(subject, ttl, fc.option(meta, { nil: undefined })).map(([s, t, x]) => rotateLive(s, t, x)),
    fc.tuple(subject, ttl, fc.option(meta, { nil: undefined })).map(([s, t, x]) => rotateLive(s, t, x)),
    fc.tuple(subject, fc.constantFrom(...PRESENTERS), ttl, meta).map(([s, p, t, x]) => replay(s, p, t, x)),
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
/** Each limit setting with one onReuse setting, so three runs cover every branch of both. */
const configurations: [string, OnLimit | undefined, ReuseSettings][] = [
  ['no limit, reuse revokes the family', undefined, { onReuse: 'revoke-family', reuseDetectionSeconds: undefined }],
  [`limit ${LIMIT}, reject, reuse revokes the subject (1 s window)`, 'reject', { onReuse: 'revoke-subject', reuseDetectionSeconds: 1 }],
  [`limit ${LIMIT}, evict-oldest, reuse only reported`, 'evict-oldest', { onReuse: 'report', reuseDetectionSeconds: undefined }],
];

for (const [label, onLimit, reuse] of configurations) {
  test(`model: ${label}`, async (t) => {
    const client = await server.client();
    const coverage = { reused: 0, rotated: 0, revoked: 0 };
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const prefix = `m${++runs}`;
        const storage = await UserSessionRedisStorage.create<number>({
          client,
          keyPrefix: prefix,
          indexGraceSeconds: 1,
          ...(onLimit ? { concurrentSessions: LIMIT, onLimit } : {}),
          ...(reuse.onReuse === 'revoke-family' ? {} : { onReuse: reuse.onReuse }),
          ...(reuse.reuseDetectionSeconds === undefined ? {} : { reuseDetectionSeconds: reuse.reuseDetectionSeconds }),
        });
        const model = new Model();
        const real = new Real(storage, onLimit, reuse);
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          const report = await checkInvariant(admin, prefix);
          assert.deepEqual(report.violations, [], 'invariant after the sequence');
          // Drain: every session and marker expires, the subscriber cleans up, nothing is left.
          await sleep(Math.max(0, model.lastExpiry() + 2 * TOLERANCE_MS - Date.now()));
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
          assertNoRotationEvents(await real.flush(model), 'no call');
          // Every session has expired by now, whatever the model could tell.
          for (const [subject, sessions] of model.subjects) for (const id of [...sessions.keys()]) model.end(subject, id, ['expired']);
          for (const inc of model.incarnations) {
            assert.equal(inc.events.length, 1, `${inc.name} reported ${inc.events.length} times: ${inc.events.join(', ')}`);
            assert.ok(inc.expected?.has(inc.events[0]!), `${inc.name} reported ${inc.events[0]}, expected ${[...(inc.expected ?? [])].join('|')}`);
          }
          coverage.reused += real.events.filter((e) => e.reason === 'reused').length;
          coverage.rotated += real.events.filter((e) => e.reason === 'rotated').length;
          coverage.revoked += model.incarnations.filter((inc) => inc.events[0] === 'deleted').length;
        } finally {
          await storage.close();
        }
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
    // A model test whose sequences never rotate or reuse would pass without checking either.
    t.log(`${coverage.rotated} rotations, ${coverage.reused} reuses, ${coverage.revoked} sessions deleted (by calls or revocations)`);
    t.true(coverage.rotated > 0 && coverage.reused > 0, `the sequences rotated (${coverage.rotated}) and met reuses (${coverage.reused})`);
  });
}
