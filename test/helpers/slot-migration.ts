import type { LocalCluster, LocalClusterNode } from '../../scripts/cluster.js';
import { waitFor } from './wait.js';

/** MIGRATE's timeout, as redis-cli's default (--cluster-timeout). */
const MIGRATE_TIMEOUT_MS = 5000;

/** A node's cluster id (the name CLUSTER SETSLOT and redis-cli's --cluster-from/--cluster-to take). */
export function nodeIdOf(node: LocalClusterNode): Promise<string> {
  return node.command<string>('CLUSTER', 'MYID');
}

type SlotRange = [start: number, end: number, master: [host: string, port: number, id: string], ...replicas: unknown[]];

/** The port of the master that `node` believes serves `slot` (CLUSTER SLOTS as this node sees it), or undefined if none. */
export async function ownerPortSeenBy(node: LocalClusterNode, slot: number): Promise<number | undefined> {
  const ranges = await node.command<SlotRange[]>('CLUSTER', 'SLOTS');
  return ranges.find(([start, end]) => start <= slot && slot <= end)?.[2][1];
}

/** The slots `master` serves, by its own account (the "myself" line of its CLUSTER NODES). */
export async function slotsOf(master: LocalClusterNode): Promise<number[]> {
  const nodes = await master.command<string>('CLUSTER', 'NODES');
  const myself = nodes.split('\n').find((line) => line.split(' ')[2]?.includes('myself'));
  const slots: number[] = [];
  // Fields 9.. are slots "n" or ranges "a-b"; "[n->-id]" / "[n-<-id]" are migrations, not ownership.
  for (const field of myself?.split(' ').slice(8) ?? []) {
    if (field.startsWith('[')) continue;
    const [start, end = start] = field.split('-').map(Number) as [number, number?];
    for (let slot = start; slot <= end; slot++) slots.push(slot);
  }
  return slots;
}

/** The master that serves `slot` now. */
export async function ownerOfSlot(cluster: LocalCluster, slot: number): Promise<LocalClusterNode> {
  const masters = await cluster.masters();
  const port = await ownerPortSeenBy(masters[0]!, slot);
  const owner = masters.find((m) => m.port === port);
  if (!owner) throw new Error(`no master serves slot ${slot}`);
  return owner;
}

/**
 * One hash slot moved from its master to another by hand, step by step,
 * with exactly the commands `redis-cli --cluster reshard` sends for it, so
 * that a test can stop half-way: IMPORTING on the target, MIGRATING on the
 * source, MIGRATE of chosen keys, and finally MIGRATE of the rest and
 * SETSLOT NODE on the target, the source and every other master.
 */
export class SlotMigration {
  private constructor(
    readonly slot: number,
    readonly source: LocalClusterNode,
    readonly target: LocalClusterNode,
    private readonly cluster: LocalCluster,
    private readonly sourceId: string,
    private readonly targetId: string,
  ) {}

  /** Opens `slot` for migration from its owner to `target` (default: another master). */
  static async begin(cluster: LocalCluster, slot: number, target?: LocalClusterNode): Promise<SlotMigration> {
    const source = await ownerOfSlot(cluster, slot);
    const to = target ?? (await cluster.masters()).find((m) => m !== source)!;
    const migration = new SlotMigration(slot, source, to, cluster, await nodeIdOf(source), await nodeIdOf(to));
    // redis-cli's order: the target accepts ASKING first, so that no ASK the source replies can be refused.
    await to.command('CLUSTER', 'SETSLOT', slot, 'IMPORTING', migration.sourceId);
    await source.command('CLUSTER', 'SETSLOT', slot, 'MIGRATING', migration.targetId);
    return migration;
  }

  /** The slot's keys still on the source, in CLUSTER GETKEYSINSLOT order (the order redis-cli moves them in). */
  keysLeft(): Promise<string[]> {
    return this.source.command<string[]>('CLUSTER', 'GETKEYSINSLOT', this.slot, 1_000_000);
  }

  /** Moves these keys (atomically each: MIGRATE deletes a key on the source once the target has it). */
  async move(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.source.command('MIGRATE', this.target.host, this.target.port, '', 0, MIGRATE_TIMEOUT_MS, 'KEYS', ...keys);
  }

  /**
   * Moves every key left, then gives the slot to the target (target first,
   * then the source, then the other masters, as redis-cli does), and waits
   * until every node, replicas included, routes the slot to the target, so
   * that the next migration starts from a settled cluster.
   */
  async finish(): Promise<void> {
    await this.move(await this.keysLeft());
    await this.target.command('CLUSTER', 'SETSLOT', this.slot, 'NODE', this.targetId);
    await this.source.command('CLUSTER', 'SETSLOT', this.slot, 'NODE', this.targetId);
    for (const master of await this.cluster.masters()) {
      if (master !== this.source && master !== this.target) await master.command('CLUSTER', 'SETSLOT', this.slot, 'NODE', this.targetId);
    }
    await waitFor(`every node to route slot ${this.slot} to ${this.target.port}`, async () => {
      const owners = await Promise.all(this.cluster.nodes.map((n) => ownerPortSeenBy(n, this.slot)));
      return owners.every((port) => port === this.target.port);
    });
  }
}
