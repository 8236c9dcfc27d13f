import type { UserSessionRedisStorage } from '../../src/index.js';
import { UserSessionStorageError } from '../../src/index.js';

/**
 * A mixed workload of many concurrent callers over several storage
 * instances. Every insert uses a fresh session id, so each (subject, id)
 * names one session only and its end can be matched with exactly one event.
 */
export interface WorkloadOptions {
  storages: UserSessionRedisStorage<unknown>[];
  subjects: number;
  callers: number;
  ops: number;
  /** The storages' concurrentSessions (0: none); every count()/readAll() is checked against it. */
  limit: number;
  ttls: number[];
  /** Called once when `at` operations have completed (to inject a fault). */
  at?: { ops: number; run: () => Promise<void> }[];
  /** Name prefix of subjects. */
  name?: string;
}

export interface WorkloadResult {
  /** Sessions whose insert succeeded. */
  inserted: Set<string>;
  /** Sessions whose insert failed with REDIS_ERROR: they may or may not exist. */
  uncertain: Set<string>;
  subjects: string[];
  /** Largest count()/readAll().size seen. */
  maxSeen: number;
  /** Failures by code. */
  errors: Map<string, number>;
  done: number;
}

export function sessionKey(subject: string, sessionId: string): string {
  return `${subject}\0${sessionId}`;
}

export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const { storages, callers, ops, ttls } = options;
  const subjects = Array.from({ length: options.subjects }, (_, i) => `${options.name ?? 'user'}:${i}`);
  const recent = new Map<string, string[]>(subjects.map((s) => [s, []]));
  const result: WorkloadResult = { inserted: new Set(), uncertain: new Set(), subjects, maxSeen: 0, errors: new Map(), done: 0 };
  const faults = [...(options.at ?? [])].sort((a, b) => a.ops - b.ops);
  let started = 0;
  let next = 0;
  const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

  async function one(caller: number, n: number): Promise<void> {
    const storage = pick(storages);
    const subject = pick(subjects);
    const ids = recent.get(subject)!;
    const known = ids.length > 0 ? pick(ids) : 'none';
    const roll = Math.random();
    if (roll < 0.4) {
      const id = `${caller}.${n}`;
      try {
        await storage.insert(subject, id, { caller, n }, pick(ttls));
        result.inserted.add(sessionKey(subject, id));
        ids.push(id);
        if (ids.length > 8) ids.shift();
      } catch (e) {
        if ((e as UserSessionStorageError).code === 'REDIS_ERROR') result.uncertain.add(sessionKey(subject, id));
        throw e;
      }
    } else if (roll < 0.55) await storage.read(subject, known);
    else if (roll < 0.65) result.maxSeen = Math.max(result.maxSeen, (await storage.readAll(subject)).size);
    else if (roll < 0.75) result.maxSeen = Math.max(result.maxSeen, await storage.count(subject));
    else if (roll < 0.83) await storage.touch(subject, known, pick(ttls));
    else if (roll < 0.9) await storage.update(subject, known, { updated: n });
    else if (roll < 0.98) await storage.delete(subject, known);
    else await storage.deleteAll(subject);
  }

  async function caller(index: number): Promise<void> {
    while (started < ops) {
      const n = started++;
      try {
        await one(index, n);
      } catch (e) {
        const code = e instanceof UserSessionStorageError ? e.code : String(e);
        result.errors.set(code, (result.errors.get(code) ?? 0) + 1);
      }
      result.done++;
      while (next < faults.length && result.done >= faults[next]!.ops) await faults[next++]!.run();
    }
  }

  await Promise.all(Array.from({ length: callers }, (_, i) => caller(i)));
  return result;
}

/** Counts every ended-session event of the storages by (subject, id). */
export function recordEvents(storages: UserSessionRedisStorage<unknown>[]): Map<string, string[]> {
  const events = new Map<string, string[]>();
  for (const storage of storages) {
    for (const reason of ['expired', 'evicted', 'deleted'] as const) {
      storage.on(reason, (e) => {
        const key = sessionKey(e.subject, e.sessionId);
        events.set(key, [...(events.get(key) ?? []), reason]);
      });
    }
  }
  return events;
}
