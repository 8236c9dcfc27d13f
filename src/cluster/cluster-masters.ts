import type { Cluster, Redis } from 'ioredis';
import { nodeKey } from './cluster-client.js';

/**
 * Follows which nodes of a cluster are masters. ioredis learns of a
 * failover, a new master or a resharding only when it refreshes its slot map
 * (after a MOVED, or on its own 'slotsRefreshInterval', off by default), so a
 * shard nobody writes to could stay unnoticed: this also refreshes it every
 * `recheckMs`. `onChange` gets the whole current set, to compare with its own.
 */
export class ClusterMasters {
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = (): void => this.onChange(this.current());

  constructor(
    private readonly cluster: Cluster,
    private readonly onChange: (masters: ReadonlyMap<string, Redis>) => void,
    private readonly recheckMs: number,
  ) {}

  current(): ReadonlyMap<string, Redis> {
    return new Map(this.cluster.nodes('master').map((node) => [nodeKey(node), node]));
  }

  start(): void {
    for (const event of ['refresh', '+node', '-node']) this.cluster.on(event, this.changed);
    this.timer = setInterval(() => {
      // A failed refresh (cluster unreachable) is ioredis's to report; the next tick tries again.
      this.cluster.refreshSlotsCache(() => {});
      this.changed();
    }, this.recheckMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const event of ['refresh', '+node', '-node']) this.cluster.off(event, this.changed);
  }
}
