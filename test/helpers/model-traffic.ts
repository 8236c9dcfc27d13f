import type { UserSessionRedisStorage } from '../../src/index.js';

/** Metadata of a model session: its sequence number within the subject. */
export type ModelMeta = { n: number };

/** What the storage must hold for one subject, kept in step with every call that one sequential worker made. */
export interface SubjectModel {
  /** The subject this model's worker alone writes to. */
  readonly subject: string;
  /** Live session ids, oldest first: same TTL and increasing ids, so this is also the order in which they expire. */
  readonly live: string[];
  /** Sessions the storage ended on this worker's calls (delete, deleteAll, deleteOthers, evict-oldest, a reuse's revocation): each must be reported 'deleted' once. */
  readonly ended: string[];
  /** Sessions this worker's rotations ended: each must be reported 'rotated' once; each keeps its marker key (the TTL outlasts the test). */
  readonly rotated: string[];
  /** Rotated ids this worker presented again, once per presentation: each must be reported 'reused'. */
  readonly reused: string[];
  /** Token family (the id its rotation chain started from) of each live session. */
  readonly families: Map<string, string>;
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

type Call = 'insert' | 'delete' | 'readAll' | 'count' | 'read' | 'deleteAll' | 'rotate' | 'retryRotate' | 'reuse' | 'readAndTouch' | 'deleteOthers';

/** The calls that check a presented id for a reuse. */
const PRESENTERS = ['read', 'touch', 'readAndTouch', 'update', 'delete', 'rotate'] as const;

/** The metadata stored for session id `s<n>`. */
export const metaOf = (sessionId: string): ModelMeta => ({ n: Number(sessionId.slice(1)) });

/**
 * One sequential worker per subject, each running a random mix of insert,
 * delete, readAll (with and without expiries), count, read, deleteAll,
 * rotate (and retries of it), readAndTouch, deleteOthers and replays of
 * rotated ids, against a per-subject model of a storage with
 * `concurrentSessions: limit`, `onLimit: 'evict-oldest'` and the default
 * reuse detection (the family revoked). Because a worker is the only writer
 * of its subject, every answer is known in advance and checked exactly:
 * readAll's sessions, values and order of expiry, count, read's and
 * readAndTouch's value, the results of delete, deleteAll, deleteOthers and
 * rotate. Every insert and rotation uses the same TTL and a fresh id greater
 * than the ones before (`s000001`, `s000002`...), and readAndTouch slides
 * only the newest session, so the model's order is the order of expiry (ties
 * broken by id): the session evict-oldest ends is always the oldest in the
 * model.
 */
export function startModelTraffic(
  storage: UserSessionRedisStorage<ModelMeta>,
  options: { subjects: readonly string[]; limit: number; ttlSeconds: number },
): ModelTraffic {
  const { limit, ttlSeconds } = options;
  const models: SubjectModel[] = options.subjects.map((subject) => ({
    subject,
    live: [],
    ended: [],
    rotated: [],
    reused: [],
    families: new Map(),
    tainted: false,
  }));
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
    ['rotate', 8],
    ['readAndTouch', 8],
    ['reuse', 3],
    ['retryRotate', 2],
    ['deleteOthers', 2],
  ];
  const totalWeight = mix.reduce((sum, [, weight]) => sum + weight, 0);
  const pickCall = (): Call => {
    let roll = Math.random() * totalWeight;
    for (const [call, weight] of mix) if ((roll -= weight) < 0) return call;
    return 'insert';
  };
  const pick = (ids: readonly string[]): string => ids[Math.floor(Math.random() * ids.length)]!;

  /** Runs `call` on the model's subject and checks its answer; a wrong one taints the model. */
  /** Each subject's marker: rotated id -> { new id, family }; and its last rotation, for retries. */
  const markers = new Map<SubjectModel, Map<string, { newId: string; family: string }>>(models.map((m) => [m, new Map()]));
  const lastRotation = new Map<SubjectModel, { id: string; newId: string }>();

  /** Takes `ids` out of the model's live sessions, into `into`. */
  const endSessions = (model: SubjectModel, ids: readonly string[], into: string[]): void => {
    for (const id of ids) {
      model.live.splice(model.live.indexOf(id), 1);
      model.families.delete(id);
      into.push(id);
    }
  };

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
      if (live.length >= limit) endSessions(model, live.slice(0, live.length - limit + 1), ended);
      live.push(id);
      model.families.set(id, id);
    } else if (call === 'delete') {
      const id = ofEnded ? pick(ended) : pick(live);
      const deleted = await storage.delete(subject, id);
      if (!ofEnded) endSessions(model, [id], ended);
      if (deleted === ofEnded) wrong(`delete of ${ofEnded ? 'ended' : 'live'} ${id} returned ${deleted}`);
    } else if (call === 'readAll') {
      // With expiries, the order is checked too: the model's is the order of expiry.
      const withExpiry = Math.random() < 0.5;
      const listed = withExpiry
        ? [...(await storage.readAll(subject, { withExpiry: true }))].map(([id, { metaData }]) => `${id}=${metaData.n}`)
        : [...(await storage.readAll(subject))].map(([id, meta]) => `${id}=${meta.n}`).sort();
      const want = live.map((id) => `${id}=${metaOf(id).n}`);
      if (!withExpiry) want.sort();
      if (listed.join() !== want.join()) wrong(`got [${listed.join(', ')}], expected [${want.join(', ')}]${withExpiry ? ' in this order' : ''}`);
    } else if (call === 'rotate') {
      const id = pick(live);
      const newId = nextId();
      const rotated = await storage.rotate(subject, id, newId, ttlSeconds, metaOf(newId));
      if (!rotated) wrong(`rotate of live ${id} returned false`);
      const family = model.families.get(id)!;
      endSessions(model, [id], model.rotated);
      live.push(newId);
      model.families.set(newId, family);
      markers.get(model)!.set(id, { newId, family });
      lastRotation.set(model, { id, newId });
    } else if (call === 'retryRotate') {
      // The same rotation again (a client retrying after a lost reply): true, and nothing changes.
      const last = lastRotation.get(model);
      const again = last ? await storage.rotate(subject, last.id, last.newId, ttlSeconds, metaOf(last.newId)) : true;
      if (!again) wrong(`a retry of rotate(${last!.id} -> ${last!.newId}) returned false`);
    } else if (call === 'reuse') {
      const rotated = [...markers.get(model)!];
      if (rotated.length > 0) {
        const [id, { family }] = rotated[Math.floor(Math.random() * rotated.length)]!;
        const presenter = PRESENTERS[Math.floor(Math.random() * PRESENTERS.length)]!;
        const answer = await {
          read: () => storage.read(subject, id),
          touch: () => storage.touch(subject, id, ttlSeconds),
          readAndTouch: () => storage.readAndTouch(subject, id, ttlSeconds),
          update: () => storage.update(subject, id, metaOf(id)),
          delete: () => storage.delete(subject, id),
          rotate: () => storage.rotate(subject, id, nextId(), ttlSeconds),
        }[presenter]();
        model.reused.push(id);
        endSessions(
          model,
          live.filter((l) => model.families.get(l) === family),
          ended,
        );
        if (answer !== undefined && answer !== false) wrong(`${presenter} of rotated ${id} answered ${JSON.stringify(answer)}`);
      }
    } else if (call === 'readAndTouch') {
      // Only the newest session: sliding it keeps the model's order the order of expiry.
      const id = ofEnded ? pick(ended) : live[live.length - 1]!;
      const before = Date.now();
      const touched = await storage.readAndTouch(subject, id, ttlSeconds);
      const after = Date.now();
      if (ofEnded ? touched !== undefined : touched?.metaData.n !== metaOf(id).n) {
        wrong(`readAndTouch of ${ofEnded ? 'ended' : 'live'} ${id} gave ${JSON.stringify(touched)}`);
      } else if (touched && (touched.expiresAt < before + ttlSeconds * 1000 - 50 || touched.expiresAt > after + ttlSeconds * 1000 + 50)) {
        wrong(`readAndTouch of ${id}: expiresAt ${touched.expiresAt - before} ms from the call, ttl ${ttlSeconds} s`);
      }
    } else if (call === 'deleteOthers') {
      const keep = ofEnded ? pick(ended) : pick(live);
      const want = live.filter((id) => id !== keep);
      const count = await storage.deleteOthers(subject, keep);
      endSessions(model, want, ended);
      if (count !== want.length) wrong(`deleteOthers(${keep}) returned ${count}, expected ${want.length}`);
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
      endSessions(model, [...live], ended);
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
