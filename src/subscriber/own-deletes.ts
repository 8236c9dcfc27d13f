/**
 * The value keys this storage instance deleted itself (delete, deleteAll,
 * onLimit 'evict-oldest'), until the `del` notification each of them
 * publishes comes back. A cleanup for such a notification could only find
 * nothing to do: the script that deleted the value removed its index entry
 * in the same step, and an entry made since (the id inserted again) comes
 * with its value. So the instance that deleted a key skips that one
 * notification instead of sending a script for it; other instances still
 * run theirs.
 *
 * Bounded: a notification that never comes (notifications off on the
 * server, a reconnect) must not keep its key forever, so keys older than
 * `maxAgeMs`, and the oldest beyond `maxKeys`, are forgotten; forgetting
 * one costs only the cleanup call it would have saved.
 */
export class OwnDeletes {
  private readonly deletedAt = new Map<string, number>();

  constructor(
    private readonly maxKeys = 10_000,
    private readonly maxAgeMs = 30_000,
  ) {}

  add(key: string, now = Date.now()): void {
    this.deletedAt.delete(key);
    this.deletedAt.set(key, now);
    // A Map iterates in insertion order: the oldest come first.
    for (const [oldest, at] of this.deletedAt) {
      if (this.deletedAt.size <= this.maxKeys && now - at <= this.maxAgeMs) break;
      this.deletedAt.delete(oldest);
    }
  }

  /** True once for a key this instance deleted (its own `del` notification), and forgets it. */
  take(key: string): boolean {
    return this.deletedAt.delete(key);
  }

  get size(): number {
    return this.deletedAt.size;
  }
}
