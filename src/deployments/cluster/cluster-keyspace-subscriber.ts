import calculateSlot from 'cluster-key-slot';
import { Redis, type Cluster } from 'ioredis';
import { clusterReady, nodeKey } from './cluster-client.js';
import { ClusterMasters } from './cluster-masters.js';
import { UserSessionStorageError } from '../../errors/user-session-storage-error.js';
import type { ProbeSite } from '../../subscriber/keyspace-events-probe.js';
import { KeyspaceSubscriber } from '../../subscriber/keyspace-subscriber.js';
import type { KeyEventHandlers, Subscriber } from '../../subscriber/subscriber.js';
import { traceSubscriber } from '../../observability/diagnostics.js';

export interface ClusterKeyspaceSubscriberOptions extends KeyEventHandlers {
  cluster: Cluster;
  /** A fresh probe key name (see ProbeSite.newKey), on whichever node its slot says. */
  probeKey: () => string;
  /** How long each master's probe waits for its notifications. */
  probeTimeoutMs?: number;
  /** How often the topology is checked even when ioredis saw no change. */
  recheckMs?: number;
}

/**
 * Tries probe key names until one hashes to a slot `node` owns: at most a
 * few times the number of masters. The probe's notifications are published
 * by the node that holds the key alone, and this master's subscriber must
 * hear them.
 */
function probeKeyOn(cluster: Cluster, node: string, probeKey: () => string): string {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const key = probeKey();
    if (cluster.slots[calculateSlot(key)]?.[0] === node) return key;
  }
  // Not a verdict on the flags: the node owns no slot now; the next topology check tries again.
  throw new Error(`${node} owns no hash slot: there is nothing to probe there`);
}

/** Reconnect for as long as the node is a master: a restarted master must be watched again. */
const retryForever = (times: number): number => Math.min(times * 100, 2000);

/**
 * Keyspace notifications (keyevent channels included) are node-local in
 * Redis Cluster: a key's expiry is published only by the master that holds
 * it, to that master's subscribers alone. So this keeps one
 * KeyspaceSubscriber (one connection) per master, and follows the topology:
 * a promoted replica, a new master or a resharding target gets its own
 * subscriber (and, with 'configure', its notify-keyspace-events); a node
 * that is no longer a master loses it. Replicas publish no expiries (they
 * wait for their master's DEL), so they need none.
 */
export class ClusterKeyspaceSubscriber implements Subscriber {
  private readonly subscribers = new Map<string, KeyspaceSubscriber>();
  private readonly masters: ClusterMasters;
  private stopped = false;

  constructor(private readonly options: ClusterKeyspaceSubscriberOptions) {
    this.masters = new ClusterMasters(options.cluster, (masters) => this.sync(masters), options.recheckMs ?? 3000);
  }

  async start(): Promise<void> {
    await clusterReady(this.options.cluster);
    await Promise.all([...this.masters.current()].map((key) => this.add(key)));
    this.masters.start();
    this.sync(this.masters.current());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.masters.stop();
    const all = [...this.subscribers.values()];
    this.subscribers.clear();
    await Promise.all(all.map((s) => s.stop()));
  }

  private sync(masters: ReadonlySet<string>): void {
    if (this.stopped) return;
    for (const [key, subscriber] of this.subscribers) {
      if (masters.has(key)) continue;
      this.subscribers.delete(key);
      subscriber.stop().catch(() => {});
      traceSubscriber(key, 'stopped');
    }
    for (const key of masters) {
      if (this.subscribers.has(key)) continue;
      this.add(key).catch((error: unknown) => {
        traceSubscriber(key, 'failed', error);
        // Not reachable yet (a node coming back, a failover in progress): the
        // next check tries again. Only a refused configuration is news.
        if (error instanceof UserSessionStorageError) this.options.onError(error);
      });
    }
  }

  private async add(key: string): Promise<void> {
    // db 0: a cluster has no other.
    const subscriber = new KeyspaceSubscriber({ ...this.options, connection: this.connectionTo(key), db: 0, probe: this.probeSite(key) });
    this.subscribers.set(key, subscriber);
    try {
      await subscriber.start();
      traceSubscriber(key, 'subscribed');
    } catch (error) {
      if (this.subscribers.get(key) === subscriber) this.subscribers.delete(key);
      await subscriber.stop();
      throw error;
    }
  }

  /**
   * The probe goes straight to the node through ioredis's own connection to
   * it, not routed by slot: during a resharding a MOVED then fails the probe
   * as a transient error instead of landing the key on another master.
   */
  private probeSite(key: string): ProbeSite {
    const { cluster } = this.options;
    return {
      commands: () => cluster.nodes('all').find((node) => nodeKey(node) === key) ?? cluster,
      newKey: () => probeKeyOn(cluster, key, this.options.probeKey),
    };
  }

  /** A new connection to the node at "host:port", with the options (credentials, TLS) of the cluster's node connections. */
  private connectionTo(key: string): Redis {
    const at = key.lastIndexOf(':');
    const template = this.options.cluster.nodes('all')[0];
    const options = {
      host: key.slice(0, at),
      port: Number(key.slice(at + 1)),
      autoResubscribe: false,
      // Its setup commands are idempotent: re-sent after a reconnect rather than left unsettled.
      autoResendUnfulfilledCommands: true,
      lazyConnect: true,
      readOnly: false,
      retryStrategy: retryForever,
    };
    return template ? template.duplicate(options) : new Redis({ ...this.options.cluster.options.redisOptions, ...options });
  }
}
