import type { Cluster } from 'ioredis';
import { traceTopology } from '../../observability/diagnostics.js';

/**
 * Follows which nodes of a cluster are masters ("host:port" of every node
 * that owns slots, from ioredis's slot map). The slot map, unlike ioredis's
 * pool of node connections, does not lose a master whose connection merely
 * closed. ioredis learns of a
 * failover, a new master or a resharding only when it refreshes its slot map
 * (after a MOVED, or on its own 'slotsRefreshInterval', off by default), so a
 * shard nobody writes to could stay unnoticed: this also refreshes it every
 * `recheckMs`. `onChange` gets the whole current set, to compare with its own.
 */
export class ClusterMasters {
  private timer: NodeJS.Timeout | undefined;
  /** The masters last handed to onChange, to trace what changed. */
  private last: ReadonlySet<string> = new Set();
  private readonly changed = (): void => {
    const masters = this.current();
    traceTopology(this.last, masters);
    this.last = masters;
    this.onChange(masters);
  };

  constructor(
    private readonly cluster: Cluster,
    private readonly onChange: (masters: ReadonlySet<string>) => void,
    private readonly recheckMs: number,
  ) {}

  current(): ReadonlySet<string> {
    const masters = new Set<string>();
    for (const owners of this.cluster.slots) if (owners?.[0]) masters.add(owners[0]);
    return masters;
  }

  start(): void {
    this.last = this.current();
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
