/**
 * What every implementation under test offers, addressed by the dataset's
 * session number i or subject number s. Results are returned, not trusted:
 * the workloads check them (operations.ts).
 */
export interface SessionStore {
  readonly name: string;
  insert(i: number): Promise<unknown>;
  read(i: number): Promise<unknown>;
  readAll(s: number): Promise<ReadonlyMap<string, unknown>>;
  touch(i: number): Promise<boolean>;
  update(i: number, version: number): Promise<boolean>;
  delete(i: number): Promise<boolean>;
  deleteAll(s: number): Promise<number>;
  count(s: number): Promise<number>;
  /** Only the storage: read and slide in one call (`slide`: always write, else only below half the TTL). */
  readAndTouch?(i: number, slide: boolean): Promise<unknown>;
  /** Only the storage: session i's id replaced by a new one, once per session. */
  rotate?(i: number): Promise<boolean>;
  /** Only the storage: every session of subject s but its first ends. */
  deleteOthers?(s: number): Promise<number>;
  close(): Promise<void>;
}

/** Session TTL used throughout: long enough that nothing expires during a run. */
export const TTL_SECONDS = 3600;

export function unsupported(store: string, op: string): never {
  throw new Error(`${store} has no ${op}: it is a baseline for other operations only`);
}
