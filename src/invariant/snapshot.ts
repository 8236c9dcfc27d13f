/**
 * What a reader saw of a prefix's keys, in the shape the invariant's
 * classifier (classify.ts) judges. Two readers fill it: the CLI's `check`
 * (per subject, one MULTI at a time, never KEYS) and the tests (one script
 * over the whole prefix). Both read in one atomic step what they hand over
 * as one subject, so a concurrent operation is never mistaken for a fault.
 */

/** One key as the read saw it. */
export interface KeyState {
  key: string;
  /** TYPE's reply ('zset', 'string', ...). */
  type: string;
  /** The key's expiry in ms since the epoch (PEXPIRETIME), or null when it has no TTL. */
  expiresAt: number | null;
}

/** A subject's index key as the read saw it. */
export interface IndexState extends KeyState {
  /** Each entry's sessionId and recorded expiry, the score as Redis replied it (text). Empty unless the key is a sorted set. */
  entries: ReadonlyMap<string, string>;
}

/** One of a subject's value keys as the read saw it. */
export interface ValueState extends KeyState {
  sessionId: string;
}

/** What one atomic read saw of one subject's keys. */
export interface SubjectSnapshot {
  subject: string;
  /** The subject's index, or undefined when it does not exist. */
  index: IndexState | undefined;
  /**
   * True when the read looked up only the entries of `values` (ZSCORE), not
   * the whole index: the index's own TTL and its expiry against its sessions
   * are then left to a read of the whole index.
   */
  partialIndex?: boolean;
  /**
   * The value keys of the subject the read found (existing keys only). An
   * index entry whose value is not among them is an entry without value, so
   * a reader lists every entry it checked and only those.
   */
  values: readonly ValueState[];
}

/** What a reader hands to the classifier: subjects and keys read at one server clock instant. */
export interface PrefixSnapshot {
  /** The storage's keyPrefix. */
  prefix: string;
  /** The server clock (TIME, in ms) when the subjects were read. */
  now: number;
  subjects: readonly SubjectSnapshot[];
  /** Keys under the prefix that are not in the library's key layout (neither index nor value key). */
  foreignKeys: readonly string[];
}
