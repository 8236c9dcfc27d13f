import type { Dataset } from './dataset.js';
import type { SessionStore } from './stores/session-store.js';

export type OperationName = 'insert' | 'read' | 'readAll' | 'touch' | 'update' | 'delete' | 'deleteAll' | 'count' | 'mixed';

/** How one operation is exercised over `total` indices (warm-up + measured + probe) and checked. */
export interface Operation {
  /** Sessions [0, n) to insert before measuring. */
  prepareSessions: number;
  /** Runs index i against the store; true or what was wrong. */
  run(store: SessionStore, i: number): Promise<true | string>;
  /** Checked after all indices ran: what the store must hold now. */
  expectedKeys?: (kind: StoreKind) => number;
  /** Extra end-of-run check through the store itself. */
  finalCheck?: (store: SessionStore) => Promise<true | string>;
}

export type StoreKind = 'storage' | 'raw' | 'reference';

/** Sessions read/touched/updated cycle over at most this many, so preparing stays cheap. */
const CYCLE = 10_000;

const describe = (x: unknown): string => JSON.stringify(x)?.slice(0, 120) ?? String(x);

/** Keys left by n sessions spread over subjects of `perSubject`: a value each, plus an index per subject unless raw. */
function keysFor(kind: StoreKind, sessions: number, perSubject: number): number {
  return sessions + (kind === 'raw' ? 0 : Math.ceil(sessions / perSubject));
}

function checkSubject(data: Dataset, s: number, sessions: ReadonlyMap<string, unknown>): true | string {
  if (sessions.size !== data.perSubject) return `readAll(${s}) found ${sessions.size} sessions, inserted ${data.perSubject}`;
  for (let k = 0; k < data.perSubject; k++) {
    const i = s * data.perSubject + k;
    if (!data.matches(sessions.get(data.sessionId(i)), i)) return `readAll(${s}) session ${i}: ${describe(sessions.get(data.sessionId(i)))}`;
  }
  return true;
}

/** The operations; `total` is the number of indices the run will use, `subjects` how many subjects subject-level reads cycle over. */
export function operation(name: OperationName, data: Dataset, total: number, subjects: number): Operation {
  const P = data.perSubject;
  const cycled = Math.min(total, CYCLE);
  switch (name) {
    case 'insert':
      return {
        prepareSessions: 0,
        run: async (store, i) => (await store.insert(i), true),
        expectedKeys: (kind) => keysFor(kind, total, P),
        finalCheck: async (store) => {
          for (let s = 0; s < Math.min(100, Math.floor(total / P)); s++) {
            const n = await store.count(s);
            if (n !== P) return `count(${s}) = ${n} after inserting ${P}`;
          }
          return true;
        },
      };
    case 'read':
      return {
        prepareSessions: cycled,
        run: async (store, i) => {
          const meta = await store.read(i % cycled);
          return data.matches(meta, i % cycled) || `read(${i % cycled}) returned ${describe(meta)}`;
        },
      };
    case 'readAll':
      return { prepareSessions: subjects * P, run: async (store, i) => checkSubject(data, i % subjects, await store.readAll(i % subjects)) };
    case 'count':
      return {
        prepareSessions: subjects * P,
        run: async (store, i) => {
          const n = await store.count(i % subjects);
          return n === P || `count(${i % subjects}) = ${n}, inserted ${P}`;
        },
      };
    case 'touch':
      return { prepareSessions: cycled, run: async (store, i) => (await store.touch(i % cycled)) || `touch(${i % cycled}) found no session` };
    case 'update':
      return {
        prepareSessions: cycled,
        run: async (store, i) => (await store.update(i % cycled, 1)) || `update(${i % cycled}) found no session`,
        finalCheck: async (store) => {
          for (let i = 0; i < Math.min(cycled, 200); i++) {
            const meta = await store.read(i);
            if (!data.matches(meta, i, 1)) return `read(${i}) after update returned ${describe(meta)}`;
          }
          return true;
        },
      };
    case 'delete':
      return {
        prepareSessions: total,
        run: async (store, i) => (await store.delete(i)) || `delete(${i}) found no session`,
        expectedKeys: () => 0,
      };
    case 'deleteAll':
      return {
        prepareSessions: total * P,
        run: async (store, i) => {
          const n = await store.deleteAll(i);
          return n === P || `deleteAll(${i}) ended ${n}, inserted ${P}`;
        },
        expectedKeys: () => 0,
      };
    case 'mixed':
      return mixed(data, total);
  }
}

/**
 * Login traffic: 80% read, 10% touch, 5% insert, 5% delete. Reads and touches
 * hit sessions [0, D) that are never deleted, deletes take sessions from
 * [D, 2D) once each, inserts add new ones after 2D: every result is known.
 */
function mixed(data: Dataset, total: number): Operation {
  const D = Math.min(total, CYCLE);
  let deleted = 0;
  let inserted = 0;
  return {
    prepareSessions: 2 * D,
    run: async (store, i) => {
      const dice = (i * 37) % 100;
      const j = i % D;
      if (dice < 80) {
        const meta = await store.read(j);
        return data.matches(meta, j) || `read(${j}) returned ${describe(meta)}`;
      }
      if (dice < 90) return (await store.touch(j)) || `touch(${j}) found no session`;
      if (dice < 95) return (await store.insert(2 * D + inserted++), true);
      const k = D + deleted++;
      return (await store.delete(k)) || `delete(${k}) found no session`;
    },
  };
}
