import type { Cluster } from 'ioredis';
import type { ScriptClient } from '../scripts/script-runner.js';
import { refreshSlots } from './cluster-client.js';

/** Redis Cluster's redirections and refusals: each is replied before the command runs, so a retry is safe. */
const notRun = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
/** As ioredis's own maxRedirections. */
const MAX_ATTEMPTS = 16;
const RETRY_DELAY_MS = 100;

/**
 * The cluster as the script runner's client. ioredis follows MOVED and ASK
 * itself for single commands, but with enableAutoPipelining a batch whose
 * commands get different redirections (a failover or a resharding moves
 * several slots at once) hands each error to its caller. Those commands did
 * not run; this sends them again once the slot map is fresh.
 */
export function redirectRetryingClient(cluster: Cluster): ScriptClient {
  const client = cluster as unknown as ScriptClient;
  return {
    call: (...args: Parameters<ScriptClient['call']>) => client.call(...args),
    async evalshaBuffer(sha, numberOfKeys, ...keysAndArgs) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await client.evalshaBuffer(sha, numberOfKeys, ...keysAndArgs);
        } catch (error) {
          const reason = error instanceof Error ? notRun.exec(error.message)?.[1] : undefined;
          if (!reason || attempt === MAX_ATTEMPTS) throw error;
          // MOVED/CLUSTERDOWN: the slot map is stale. ASK/TRYAGAIN: a slot is being migrated; it ends with a MOVED.
          if (reason === 'MOVED' || reason === 'CLUSTERDOWN') await refreshSlots(cluster).catch(() => {});
          else await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        }
      }
    },
  } as ScriptClient;
}
