/** How many sessions {@link RecentSlides} remembers: about 100 bytes each. */
const CAPACITY = 10_000;

/**
 * The sessions this process's `get` has just slid, with the slide ttl it
 * used. Both frameworks reset a loaded session's cookie to now + maxAge at
 * load and then call `touch` (express-session) or `set` (a modified session,
 * or @fastify/session's rolling save) in the same process at the end of the
 * request: when the maxAge is still the one `get` slid by, the expiry that
 * call asks for is the one `get` already wrote, so it need not be written
 * again. Bounded: the oldest entries go first; a forgotten entry only costs
 * the write it would have saved.
 */
export class RecentSlides {
  private readonly slides = new Map<string, number>();

  remember(sessionId: string, slideTtl: number): void {
    this.slides.delete(sessionId);
    this.slides.set(sessionId, slideTtl);
    if (this.slides.size > CAPACITY) this.slides.delete(this.slides.keys().next().value!);
  }

  /** Whether `get` slid this session by `slideTtl` since the last call; forgets it either way. */
  take(sessionId: string, slideTtl: number): boolean {
    const slid = this.slides.get(sessionId);
    this.slides.delete(sessionId);
    return slid === slideTtl;
  }

  forget(sessionId: string): void {
    this.slides.delete(sessionId);
  }
}
