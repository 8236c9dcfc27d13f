import type { Dataset } from '../dataset.js';
import type { SessionStore } from '../stores/session-store.js';
import { FLOORS } from './floors.js';

/**
 * Which data a row's calls run on. Call j of a batch (warm-up included)
 * targets session (or, for a subject-wide operation, subject) `target(j)`
 * of a Dataset with `perSubject` sessions per subject; `prepare(n)` lists the
 * sessions inserted before a batch of n calls. Every side of a row (storage,
 * floor, peer) runs on the same layout.
 */
export interface Layout {
  perSubject: number;
  prepare(calls: number): number[];
  target(j: number): number;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Subjects the non-destructive rows cycle over. Instruction counts do not
 * depend on cache warmth, so a small set costs what a large one would and
 * keeps the preparation short under valgrind. Consecutive calls go to
 * different subjects: a subject's index expiry then always moves later
 * (PEXPIREAT GT answers 1), as it does between a user's requests.
 */
const CYCLED_SUBJECTS = 10;

export const layouts = {
  /** Each call on a subject with no session yet. */
  newSubjects: (): Layout => ({ perSubject: 1, prepare: () => [], target: (j) => j }),
  /** Each call on a subject that has one session already. */
  secondSessions: (): Layout => ({ perSubject: 2, prepare: (n) => range(n).map((j) => 2 * j), target: (j) => 2 * j + 1 }),
  /** The sessions of a few subjects, used again and again. */
  cycledSessions: (P: number): Layout => ({
    perSubject: P,
    prepare: () => range(CYCLED_SUBJECTS * P),
    target: (j) => (j % CYCLED_SUBJECTS) * P + (Math.floor(j / CYCLED_SUBJECTS) % P),
  }),
  /**
   * Each call on a session of its own, consecutive calls on different
   * subjects (as cycledSessions): two calls on one subject within the same
   * millisecond would find its index expiry already where they move it.
   */
  eachSessionAcrossSubjects: (P: number): Layout => {
    let subjects = 1;
    return {
      perSubject: P,
      prepare: (n) => {
        subjects = Math.ceil(n / P);
        return range(subjects * P);
      },
      target: (j) => (j % subjects) * P + Math.floor(j / subjects),
    };
  },
  /** Each call on a session of its own, in the order they were inserted. */
  eachSession: (P: number): Layout => ({ perSubject: P, prepare: (n) => range(n), target: (j) => j }),
  /** A few subjects of P sessions each, used again and again. */
  cycledSubjects: (P: number): Layout => ({ perSubject: P, prepare: () => range(CYCLED_SUBJECTS * P), target: (j) => j % CYCLED_SUBJECTS }),
  /** Each call on a subject of its own with P sessions. */
  eachSubject: (P: number): Layout => ({ perSubject: P, prepare: (n) => range(n * P), target: (j) => j }),
};

/** A store call on target i; the storage's result is checked: true, or what was wrong. */
type Check = (store: SessionStore, i: number, data: Dataset) => Promise<true | string>;

/** The peer: the same operation done the usual, non-atomic way (scripts/bench/stores). */
export interface Peer {
  label: string;
  store: 'raw' | 'reference';
  run(store: SessionStore, i: number): Promise<unknown>;
}

/** One row of the table: a storage operation, its floor, its peer. */
export interface CostRow {
  /** Its name in the table and in the baseline file. */
  op: string;
  /** On every session of a subject: the table shows the sessions per subject after the name. */
  subjectWide?: true;
  layout(sessionsPerSubject: number): Layout;
  storage: Check;
  /** Lua source of the floor (floors.ts), run with the KEYS and ARGV the storage sent. */
  floor: string;
  peer: Peer;
}

const found = (what: string) => (ok: boolean, i: number) => ok || `${what}(${i}) found no session`;
const counted = (what: string, want: number, got: number, i: number): true | string => got === want || `${what}(${i}) = ${got}, inserted ${want}`;

/**
 * Every row, in table order. A new operation is one entry here (and its
 * floor in floors.ts); its storage call and its peer reuse the bench's stores.
 */
export const ROWS: readonly CostRow[] = [
  {
    op: 'insert (first session)',
    layout: layouts.newSubjects,
    storage: async (s, i) => (await s.insert(i), true),
    floor: FLOORS.insertFirstSession,
    peer: { label: 'MULTI{SET NX; LPUSH}', store: 'reference', run: (s, i) => s.insert(i) },
  },
  {
    op: 'insert (existing index)',
    layout: layouts.secondSessions,
    storage: async (s, i) => (await s.insert(i), true),
    floor: FLOORS.insertExistingIndex,
    peer: { label: 'MULTI{SET NX; LPUSH}', store: 'reference', run: (s, i) => s.insert(i) },
  },
  {
    op: 'read',
    layout: layouts.cycledSessions,
    storage: async (s, i, data) => data.matches(await s.read(i), i) || `read(${i}) returned something else`,
    floor: FLOORS.read,
    peer: { label: 'GET', store: 'raw', run: (s, i) => s.read(i) },
  },
  {
    op: 'readAndTouch (enough left)',
    layout: layouts.cycledSessions,
    storage: async (s, i) => found('readAndTouch')((await s.readAndTouch!(i, false)) !== undefined, i),
    floor: FLOORS.readAndTouchSkip,
    peer: { label: 'GET; EXPIRE', store: 'reference', run: async (s, i) => (await s.read(i), s.touch(i)) },
  },
  {
    op: 'readAndTouch (slides)',
    layout: layouts.cycledSessions,
    storage: async (s, i) => found('readAndTouch')((await s.readAndTouch!(i, true)) !== undefined, i),
    floor: FLOORS.readAndTouchSlide,
    peer: { label: 'GET; EXPIRE', store: 'reference', run: async (s, i) => (await s.read(i), s.touch(i)) },
  },
  {
    op: 'touch',
    layout: layouts.cycledSessions,
    storage: async (s, i) => found('touch')(await s.touch(i), i),
    floor: FLOORS.touch,
    peer: { label: 'EXPIRE', store: 'reference', run: (s, i) => s.touch(i) },
  },
  {
    op: 'update',
    layout: layouts.cycledSessions,
    storage: async (s, i) => found('update')(await s.update(i, 1), i),
    floor: FLOORS.update,
    peer: { label: 'SET KEEPTTL XX', store: 'reference', run: (s, i) => s.update(i, 1) },
  },
  {
    op: 'rotate',
    layout: layouts.eachSessionAcrossSubjects,
    storage: async (s, i) => found('rotate')(await s.rotate!(i), i),
    floor: FLOORS.rotate,
    peer: { label: 'MULTI{DEL; LREM}; MULTI{SET NX; LPUSH}', store: 'reference', run: async (s, i) => (await s.delete(i), s.insert(i)) },
  },
  {
    op: 'delete',
    layout: layouts.eachSession,
    storage: async (s, i) => found('delete')(await s.delete(i), i),
    floor: FLOORS.delete,
    peer: { label: 'MULTI{DEL; LREM}', store: 'reference', run: (s, i) => s.delete(i) },
  },
  {
    op: 'readAll',
    subjectWide: true,
    layout: layouts.cycledSubjects,
    storage: async (s, i, data) => counted('readAll', data.perSubject, (await s.readAll(i)).size, i),
    floor: FLOORS.readAll,
    peer: { label: 'LRANGE + MGET', store: 'reference', run: (s, i) => s.readAll(i) },
  },
  {
    op: 'count',
    subjectWide: true,
    layout: layouts.cycledSubjects,
    storage: async (s, i, data) => counted('count', data.perSubject, await s.count(i), i),
    floor: FLOORS.count,
    peer: { label: 'LLEN (counts ended sessions too)', store: 'reference', run: (s, i) => s.count(i) },
  },
  {
    op: 'deleteAll',
    subjectWide: true,
    layout: layouts.eachSubject,
    storage: async (s, i, data) => counted('deleteAll', data.perSubject, await s.deleteAll(i), i),
    floor: FLOORS.deleteAll,
    peer: { label: 'LRANGE + DEL', store: 'reference', run: (s, i) => s.deleteAll(i) },
  },
  {
    op: 'deleteOthers',
    subjectWide: true,
    layout: layouts.eachSubject,
    storage: async (s, i, data) => counted('deleteOthers', data.perSubject - 1, await s.deleteOthers!(i), i),
    floor: FLOORS.deleteOthers,
    peer: { label: 'LRANGE + DEL (all)', store: 'reference', run: (s, i) => s.deleteAll(i) },
  },
];
