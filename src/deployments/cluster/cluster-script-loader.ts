import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import { traceScriptLoad, type ScriptLoadMessage } from '../../observability/diagnostics.js';
import { luaScripts, type ScriptName } from '../../scripts/lua.generated.js';
import { scriptClientOf } from '../../scripts/script-client.js';
import { loadScripts, type ScriptLoader } from '../../scripts/script-loader.js';
import { SingleFlight } from '../../scripts/single-flight.js';
import { clusterReady, nodeKey, refreshSlots } from './cluster-client.js';

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
  /**
   * During a failover the slot map can lag: the script may go to the old
   * owner, and the retry be redirected to the new one, which lacks it.
   * Each retry loads on the owner ioredis knows by then.
   */
  readonly maxReloads = 3;
  private readonly loaded = new WeakSet<Redis>();
  private readonly reloads = new SingleFlight();
  private readonly onNode = (node: Redis): void => {
    node.on('ready', this.onReady);
    if (!node.options.readOnly) this.preload(node, 'new-node');
  };
  private readonly onRefresh = (): void => this.preloadMasters('new-master');
  private readonly onReady = (): void => this.preloadMasters('ready');

  constructor(private readonly cluster: Cluster) {}

  async loadAll(): Promise<void> {
    await clusterReady(this.cluster);
    this.cluster.on('+node', this.onNode);
    this.cluster.on('refresh', this.onRefresh);
    const masters = this.cluster.nodes('master');
    for (const node of this.cluster.nodes('all')) node.on('ready', this.onReady);
    await Promise.all(masters.map((node) => loadScripts(scriptClientOf(node))));
    for (const node of masters) this.loaded.add(node);
  }

  async load(name: ScriptName, key: string): Promise<unknown> {
    // NOSCRIPT comes after a failover or a restart, when the slot map may be
    // stale: refresh it (one CLUSTER SLOTS for any number of callers) so that
    // the script goes to the node that replied, which the retry will reach.
    await refreshSlots(this.cluster).catch(() => {});
    const node = this.ownerOf(key);
    const trace = { trigger: 'noscript', node: node && nodeKey(node), script: name } as const;
    if (!node)
      return traceScriptLoad(
        Promise.all(this.cluster.nodes('all').map((n) => scriptClientOf(n).call('SCRIPT', 'LOAD', luaScripts[name].lua))),
        trace,
      );
    return this.reloads.run(`${nodeKey(node)} ${name}`, () =>
      traceScriptLoad(scriptClientOf(node).call('SCRIPT', 'LOAD', luaScripts[name].lua), trace),
    );
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
  private preload(node: Redis, trigger: ScriptLoadMessage['trigger']): void {
    this.loaded.add(node);
    traceScriptLoad(loadScripts(scriptClientOf(node)), { trigger, node: nodeKey(node), script: 'all' }).catch(() => this.loaded.delete(node));
  }

  private preloadMasters(trigger: ScriptLoadMessage['trigger']): void {
    for (const node of this.cluster.nodes('master')) if (!this.loaded.has(node)) this.preload(node, trigger);
  }

  /**
   * The connection ioredis routes `key` to: the slot's owner, which a MOVED
   * updates at once. Looked up among all nodes: right after a failover the
   * pool may still file the promoted replica as a replica.
   */
  private ownerOf(key: string): Redis | undefined {
    const owner = this.cluster.slots[calculateSlot(key)]?.[0];
    return this.cluster.nodes('all').find((node) => nodeKey(node) === owner);
  }
}
