import type { Redis } from 'ioredis';

const POLL_MS = 100;

/**
 * Waits until Redis has finished growing the database's key tables. Redis
 * doubles a table when its keys reach its size, then moves the keys over
 * step by step (one bucket per command, plus 1 ms of every 100 ms); until it
 * is done every lookup probes two tables, so a sample taken during the move
 * measures the doubling, not the size (README, Performance). While it lasts,
 * `DEBUG HTSTATS` lists a second table.
 *
 * @returns true when the end was seen; false when DEBUG is refused (a
 * server without enable-debug-command) and it waited `blindMs` instead.
 */
export async function waitForRehash(admin: Redis, blindMs: number, timeoutMs = 30_000): Promise<boolean> {
  const db = String(admin.options.db ?? 0);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let stats: string;
    try {
      stats = String(await admin.call('DEBUG', 'HTSTATS', db));
    } catch {
      await new Promise((resolve) => setTimeout(resolve, blindMs));
      return false;
    }
    if (!stats.includes('Hash table 1') || Date.now() > deadline) return !stats.includes('Hash table 1');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
