import type { Cluster } from 'ioredis';
import { clusterRefusal } from '../../errors/redis-failure.js';
import { traceRedirectRetry } from '../../observability/diagnostics.js';
import type { ScriptClient } from '../../scripts/script-client.js';
import { refreshSlots } from './cluster-client.js';

/** As ioredis's own maxRedirections. */
const MAX_ATTEMPTS = 16;
const RETRY_DELAY_MS = 100;

/**
 * The cluster's ScriptClient, sending again what a cluster in transition
 * refused. ioredis follows MOVED, ASK, TRYAGAIN and CLUSTERDOWN itself, but
 * gives up after maxRedirections (16) tries (100 ms apart for TRYAGAIN and
 * CLUSTERDOWN), which can be sooner than a failover or a slot migration
 * ends, and hands the last error to the caller.
 * Such a command did not run; this sends it again once the slot map is fresh.
 */
export function redirectRetryingClient(cluster: Cluster, client: ScriptClient): ScriptClient {
  return {
    call: client.call,
    async evalsha(sha, keys, args) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await client.evalsha(sha, keys, args);
        } catch (error) {
          const reason = clusterRefusal(error);
          if (!reason) throw error;
          traceRedirectRetry({ refusal: reason, attempt, key: keys[0], willRetry: attempt < MAX_ATTEMPTS });
          if (attempt === MAX_ATTEMPTS) throw error;
          // MOVED/CLUSTERDOWN: the slot map is stale. ASK/TRYAGAIN: a slot is being migrated; it ends with a MOVED.
          if (reason === 'MOVED' || reason === 'CLUSTERDOWN') await refreshSlots(cluster).catch(() => {});
          else await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        }
      }
    },
  };
}
