import type { UserSessionRedisStorage } from '../../src/index.js';

/**
 * Insert-and-read workers for tests that disturb a deployment under load
 * (failover, resharding): each inserts session n, records it as
 * acknowledged once insert resolved, and reads back a random acknowledged
 * session. Any error or wrong read is recorded in `failures`.
 */
export interface AcknowledgedLoad {
  readonly acknowledged: number[];
  readonly failures: string[];
  /** The (subject, sessionId) of session n. */
  sessionOf(n: number): [subject: string, sessionId: string];
  /** Stops the workers and waits for their last calls. */
  stop(): Promise<void>;
}

export function startAcknowledgedLoad(
  storage: UserSessionRedisStorage<{ n: number }>,
  options: { subjects: number; workers: number },
): AcknowledgedLoad {
  const acknowledged: number[] = [];
  const failures: string[] = [];
  const sessionOf = (n: number): [string, string] => [`user-${n % options.subjects}`, `s${n}`];
  let running = true;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      const n = next++;
      try {
        await storage.insert(...sessionOf(n), { n }, 600);
        acknowledged.push(n);
        const probe = acknowledged[Math.floor(Math.random() * acknowledged.length)]!;
        const read = await storage.read(...sessionOf(probe));
        if (read?.n !== probe) failures.push(`read of acknowledged s${probe} gave ${JSON.stringify(read)}`);
      } catch (error) {
        failures.push(`s${n}: ${(error as Error).message}`);
      }
    }
  };
  const workers = Array.from({ length: options.workers }, () => worker());
  return {
    acknowledged,
    failures,
    sessionOf,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}
