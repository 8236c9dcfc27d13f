import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import { luaScripts, type ScriptName } from '../scripts/lua.generated.js';
import { loadScripts, type ScriptLoader } from '../scripts/script-loader.js';
import { SingleFlight } from '../scripts/single-flight.js';
import { clusterReady, nodeKey } from './cluster-client.js';

/**
 * Keeps the scripts in the cache of every node of a cluster. Replicas get
 * them too: the script cache is not replicated, and a replica promoted by a
 * failover then answers EVALSHA without a NOSCRIPT round trip. New nodes
 * ('+node': a new master, a restarted node, a resharding target) and nodes
 * that reconnect ('ready') are loaded as soon as they appear. Whatever slips
 * through (a node flushed or restarted unnoticed) replies NOSCRIPT, and
 * load() fills the cache of exactly the node that serves the key.
 */
export class ClusterScriptLoader implements ScriptLoader {
  private readonly followed = new WeakSet<Redis>();
  private readonly reloads = new SingleFlight();
  private readonly onNode = (node: Redis): void => {
    this.follow(node);
    // Pool connections are lazy: nothing else may ever connect a replica.
    if (node.status === 'wait') node.connect().catch(() => {});
    else if (node.status === 'ready') this.preload(node);
  };

  constructor(private readonly cluster: Cluster) {}

  async loadAll(): Promise<void> {
    await clusterReady(this.cluster);
    this.cluster.on('+node', this.onNode);
    for (const node of this.cluster.nodes('all')) this.follow(node);
    // Masters must succeed (they run every call); replicas are a head start for failovers.
    await Promise.all(this.cluster.nodes('master').map((node) => loadScripts(node)));
    for (const node of this.cluster.nodes('slave')) this.preload(node);
  }

  load(name: ScriptName, key: string): Promise<unknown> {
    const node = this.masterOf(key);
    if (!node) return Promise.all(this.cluster.nodes('master').map((n) => n.call('SCRIPT', 'LOAD', luaScripts[name].lua)));
    return this.reloads.run(`${nodeKey(node)} ${name}`, () => node.call('SCRIPT', 'LOAD', luaScripts[name].lua));
  }

  stop(): void {
    this.cluster.off('+node', this.onNode);
    for (const node of this.cluster.nodes('all')) node.off('ready', this.onReady);
  }

  private readonly onReady = function (this: Redis): void {
    loadScripts(this).catch(() => {});
  };

  private follow(node: Redis): void {
    if (this.followed.has(node)) return;
    this.followed.add(node);
    node.on('ready', this.onReady);
  }

  /**
   * Best effort: a node that cannot be reached now is loaded on its next
   * 'ready' or '+node', or at its first NOSCRIPT.
   */
  private preload(node: Redis): void {
    loadScripts(node).catch(() => {});
  }

  /** The master that ioredis routes `key` to: after a MOVED it already points at the new owner. */
  private masterOf(key: string): Redis | undefined {
    const owner = this.cluster.slots[calculateSlot(key)]?.[0];
    return this.cluster.nodes('master').find((node) => nodeKey(node) === owner);
  }
}
