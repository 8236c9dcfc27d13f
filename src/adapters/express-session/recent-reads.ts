/** How many sessions {@link RecentReads} remembers: about 150 bytes each. */
const CAPACITY = 10_000;

/** What `get` found of a session: its storage id, its subject (undefined: anonymous) and the slide ttl it slid it by (0: none). */
export interface SeenSession {
  id: string;
  subject: string | undefined;
  slideTtl: number;
}

/**
 * The sessions this process's `get` has just returned. Both frameworks load
 * a session with `get`, reset its cookie to now + maxAge, and end the
 * request in the same process with `touch` (express-session, unmodified),
 * `set` (modified, or @fastify/session's rolling save) or `destroy`
 * (logout). `get` already slid the session by that maxAge and saw whether it
 * is anonymous or whose it is, so the call that ends the request need not
 * ask Redis again, nor write the expiry again: the cookie's expiry is the one
 * `get` wrote, as long as the maxAge is still the one it slid by. Bounded:
 * the oldest entries go first, and a forgotten entry only costs the round
 * trip it would have saved. Keyed by the framework's session id, which the
 * framework holds in memory too, so that the call ending the request does
 * not hash it again; it never leaves the process.
 */
export class RecentReads {
  private readonly seen = new Map<string, SeenSession>();

  remember(sid: string, seen: SeenSession): void {
    this.seen.delete(sid);
    this.seen.set(sid, seen);
    if (this.seen.size > CAPACITY) this.seen.delete(this.seen.keys().next().value!);
  }

  /** What `get` found of this session since the last call, if anything; forgets it either way. */
  take(sid: string): SeenSession | undefined {
    const seen = this.seen.get(sid);
    this.seen.delete(sid);
    return seen;
  }
}
