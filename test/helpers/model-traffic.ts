import type { UserSessionRedisStorage } from '../../src/index.js';

/** Metadata of a model session: its sequence number within the subject. */
export type ModelMeta = { n: number };

/** What the storage must hold for one subject, kept in step with every call that one sequential worker made. */
export interface SubjectModel {
  /** The subject this model's worker alone writes to. */
  readonly subject: string;
  /** Live session ids, oldest first: same TTL and increasing ids, so this is also the order in which they expire. */
  readonly live: string[];
  /** Sessions the storage ended on this worker's calls (delete, deleteAll, evict-oldest): each must be reported 'deleted' once. */
  readonly ended: string[];
  /** Set after a failed or wrong call: from then on the model cannot say what the storage holds. */
  tainted: boolean;
}

/** The sessions one worker per subject has been driving, and what went wrong. */
export interface ModelTraffic {
  /** One model per subject, in the order of `subjects`. */
  readonly models: readonly SubjectModel[];
  /** Every rejected call and every wrong answer, as "<subject> <call>: <what>". */
  readonly failures: string[];
  /** Calls answered (rightly or wrongly, not rejected) so far, by call name. */
  readonly calls: Record<string, number>;
  /** Calls answered so far, in all. */
  total(): number;
  /** Stops the workers after their current call and waits for it. */
  stop(): Promise<void>;
}

type Call = 'insert' | 'delete' | 'readAll' | 'count' | 'read' | 'deleteAll';

/** The metadata stored for session id `s<n>`. */
export const metaOf = (sessionId: string): ModelMeta => ({ n: Number(sessionId.slice(1)) });

/**
 * One sequential worker per subject, each running a random mix of insert,
 * delete, readAll, count, read and deleteAll against a per-subject model of
 * a storage with `concurrentSessions: limit` and `onLimit: 'evict-oldest'`.
 * Because a worker is the only writer of its subject, every answer is known
 * in advance and checked exactly: readAll's sessions and values, count,
 * read's value, delete's and deleteAll's results. Every insert uses the same
 * TTL and a fresh id greater than the ones before (`s000001`, `s000002`...),
 * so the session evict-oldest ends, the one that expires first (ties broken
 * by id), is always the oldest in the model.
 */
export function startModelTraffic(
  storage: UserSessionRedisStorage<ModelMeta>,
  options: { subjects: readonly string[]; limit: number; ttlSeconds: number },
): ModelTraffic {
  const { limit, ttlSeconds } = options;
  const models: SubjectModel[] = options.subjects.map((subject) => ({ subject, live: [], ended: [], tainted: false }));
  const failures: string[] = [];
  const calls: Record<string, number> = {};
  let running = true;

  /** The mix of calls, by weight; insert is also what a subject with no live session gets. */
  const mix: [call: Call, weight: number][] = [
    ['insert', 35],
    ['delete', 15],
    ['readAll', 20],
    ['count', 15],
    ['read', 12],
    ['deleteAll', 3],
  ];
  const totalWeight = mix.reduce((sum, [, weight]) => sum + weight, 0);
  const pickCall = (): Call => {
    let roll = Math.random() * totalWeight;
    for (const [call, weight] of mix) if ((roll -= weight) < 0) return call;
    return 'insert';
  };
  const pick = (ids: readonly string[]): string => ids[Math.floor(Math.random() * ids.length)]!;

  /** Runs `call` on the model's subject and checks its answer; a wrong one taints the model. */
  async function step(model: SubjectModel, call: Call, nextId: () => string): Promise<void> {
    const { subject, live, ended } = model;
    const wrong = (what: string): void => {
      failures.push(`${subject} ${call}: ${what}`);
      model.tainted = true;
    };
    // Now and then delete or read a session that has ended, whose answer is known too.
    const ofEnded = ended.length > 0 && Math.random() < 0.2;
    if (call === 'insert') {
      const id = nextId();
      await storage.insert(subject, id, metaOf(id), ttlSeconds);
      if (live.length >= limit) ended.push(...live.splice(0, live.length - limit + 1));
      live.push(id);
    } else if (call === 'delete') {
      const id = ofEnded ? pick(ended) : pick(live);
      const deleted = await storage.delete(subject, id);
      if (!ofEnded) ended.push(...live.splice(live.indexOf(id), 1));
      if (deleted === ofEnded) wrong(`delete of ${ofEnded ? 'ended' : 'live'} ${id} returned ${deleted}`);
    } else if (call === 'readAll') {
      const got = [...(await storage.readAll(subject))].map(([id, meta]) => `${id}=${meta.n}`).sort();
      const want = live.map((id) => `${id}=${metaOf(id).n}`).sort();
      if (got.join() !== want.join()) wrong(`got [${got.join(', ')}], expected [${want.join(', ')}]`);
    } else if (call === 'count') {
      const count = await storage.count(subject);
      if (count !== live.length) wrong(`got ${count}, expected ${live.length}`);
    } else if (call === 'read') {
      const id = ofEnded ? pick(ended) : pick(live);
      const meta = await storage.read(subject, id);
      if (meta?.n !== (ofEnded ? undefined : metaOf(id).n)) wrong(`read of ${ofEnded ? 'ended' : 'live'} ${id} gave ${JSON.stringify(meta)}`);
    } else {
      const count = await storage.deleteAll(subject);
      const want = live.length;
      ended.push(...live.splice(0));
      if (count !== want) wrong(`returned ${count}, expected ${want}`);
    }
    calls[call] = (calls[call] ?? 0) + 1;
  }

  async function worker(model: SubjectModel): Promise<void> {
    let sequence = 0;
    const nextId = (): string => `s${String(++sequence).padStart(6, '0')}`;
    while (running && !model.tainted) {
      const call = model.live.length === 0 ? 'insert' : pickCall();
      try {
        await step(model, call, nextId);
      } catch (error) {
        const code = (error as { code?: string }).code;
        failures.push(`${model.subject} ${call} rejected: ${code ? `${code} ` : ''}${(error as Error).message}`);
        model.tainted = true;
      }
    }
  }

  const workers = models.map((model) => worker(model));
  return {
    models,
    failures,
    calls,
    total: () => Object.values(calls).reduce((a, b) => a + b, 0),
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}
