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

/**
 * The operations; `total` is the number of indices the run will use.
 * `subjects` is the working set of the read side (--subjects): read, touch,
 * update and mixed's reads and touches cycle over the sessions of that many
 * subjects, readAll and count over the subjects. insert, delete and
 * deleteAll use a fresh session or subject per operation.
 */
export function operation(name: OperationName, data: Dataset, total: number, subjects: number): Operation {
  const P = data.perSubject;
  const cycled = subjects * P;
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
          for (let i = 0; i < Math.min(cycled, total, 200); i++) {
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
      return mixed(data, total, cycled);
  }
}

/**
 * Login traffic: 80% read, 10% touch, 5% insert, 5% delete. Reads and touches
 * hit sessions [0, D) that are never deleted, deletes take sessions from
 * [D, D + deletes) once each, inserts add new ones after those: every result
 * is known.
 */
function mixed(data: Dataset, total: number, D: number): Operation {
  const kind = (i: number): 'read' | 'touch' | 'insert' | 'delete' => {
    const dice = (i * 37) % 100;
    return dice < 80 ? 'read' : dice < 90 ? 'touch' : dice < 95 ? 'insert' : 'delete';
  };
  let deletes = 0;
  for (let i = 0; i < total; i++) if (kind(i) === 'delete') deletes++;
  let deleted = 0;
  let inserted = 0;
  return {
    prepareSessions: D + deletes,
    run: async (store, i) => {
      const j = i % D;
      switch (kind(i)) {
        case 'read': {
          const meta = await store.read(j);
          return data.matches(meta, j) || `read(${j}) returned ${describe(meta)}`;
        }
        case 'touch':
          return (await store.touch(j)) || `touch(${j}) found no session`;
        case 'insert':
          return (await store.insert(D + deletes + inserted++), true);
        case 'delete': {
          const k = D + deleted++;
          return (await store.delete(k)) || `delete(${k}) found no session`;
        }
      }
    },
  };
}
