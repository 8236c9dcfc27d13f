import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import { luaScripts, type ScriptName } from '../scripts/lua.generated.js';
import { loadScripts, type ScriptLoader } from '../scripts/script-loader.js';
import { SingleFlight } from '../scripts/single-flight.js';
import { clusterReady, nodeKey } from './cluster-client.js';

/**
 * Keeps the scripts in the cache of every master of a cluster (the script
 * cache is per node and not replicated). A master ioredis connects to later
 * ('+node': a promoted replica, a new master, a restarted node) or that
 * becomes a master in place (seen at the next slot 'refresh'), and any node
 * connection that becomes 'ready' again, is loaded as soon as it appears.
 * Whatever slips through (a node flushed or restarted unnoticed) replies
 * NOSCRIPT, and load() fills the cache of exactly the node serving the key.
 */
export class ClusterScriptLoader implements ScriptLoader {
  private readonly loaded = new WeakSet<Redis>();
  private readonly reloads = new SingleFlight();
  private readonly onNode = (node: Redis): void => {
    node.on('ready', this.onReady);
    if (!node.options.readOnly) this.preload(node);
  };
  private readonly onRefresh = (): void => {
    for (const node of this.cluster.nodes('master')) if (!this.loaded.has(node)) this.preload(node);
  };
  private readonly onReady = (): void => this.onRefresh();

  constructor(private readonly cluster: Cluster) {}

  async loadAll(): Promise<void> {
    await clusterReady(this.cluster);
    this.cluster.on('+node', this.onNode);
    this.cluster.on('refresh', this.onRefresh);
    const masters = this.cluster.nodes('master');
    for (const node of this.cluster.nodes('all')) node.on('ready', this.onReady);
    await Promise.all(masters.map((node) => loadScripts(node)));
    for (const node of masters) this.loaded.add(node);
  }

  load(name: ScriptName, key: string): Promise<unknown> {
    const node = this.masterOf(key);
    if (!node) return Promise.all(this.cluster.nodes('master').map((n) => n.call('SCRIPT', 'LOAD', luaScripts[name].lua)));
    return this.reloads.run(`${nodeKey(node)} ${name}`, () => node.call('SCRIPT', 'LOAD', luaScripts[name].lua));
  }

  stop(): void {
    this.cluster.off('+node', this.onNode);
    this.cluster.off('refresh', this.onRefresh);
    for (const node of this.cluster.nodes('all')) node.off('ready', this.onReady);
  }

  /**
   * Best effort: a node that cannot be reached now is loaded at its next
   * 'ready', '+node' or 'refresh', or at its first NOSCRIPT.
   */
  private preload(node: Redis): void {
    this.loaded.add(node);
    loadScripts(node).catch(() => this.loaded.delete(node));
  }

  /** The master that ioredis routes `key` to: after a MOVED it already points at the new owner. */
  private masterOf(key: string): Redis | undefined {
    const owner = this.cluster.slots[calculateSlot(key)]?.[0];
    return this.cluster.nodes('master').find((node) => nodeKey(node) === owner);
  }
}
