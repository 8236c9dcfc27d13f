/** Shares one pending promise per key: however many callers ask at once, the work runs once. */
export class SingleFlight {
  private readonly pending = new Map<string, Promise<unknown>>();

  run(key: string, work: () => Promise<unknown>): Promise<unknown> {
    let promise = this.pending.get(key);
    if (!promise) {
      promise = work().finally(() => this.pending.delete(key));
      this.pending.set(key, promise);
    }
    return promise;
  }
}
