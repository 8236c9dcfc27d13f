import { Cluster, type ClusterOptions } from 'ioredis';
import { startLocalCluster, type LocalCluster, type LocalClusterNode } from '../../scripts/cluster.js';
import type { Backend, StorageClient } from './backend.js';
import { allKeys } from './scan.js';

/** Every key matching a SCAN pattern on one node. */
export async function keysOn(node: LocalClusterNode, pattern: string): Promise<string[]> {
  const connection = node.connect();
  try {
    await connection.connect();
    return await allKeys(connection, pattern);
  } finally {
    connection.disconnect();
  }
}

/** The behaviour suite's Backend on a real local Redis Cluster (3 masters, 3 replicas). */
export class ClusterBackend implements Backend {
  readonly name = 'cluster';
  private readonly clients = new Set<Cluster>();

  private constructor(
    readonly cluster: LocalCluster,
    private readonly clientOptions: ClusterOptions,
  ) {}

  /** `clientOptions` apply to the clients handed to the storage, e.g. enableAutoPipelining. */
  static async start(clientOptions: ClusterOptions = {}): Promise<ClusterBackend> {
    return new ClusterBackend(await startLocalCluster(), clientOptions);
  }

  /** A connected cluster client; `options` as for `new Cluster()`. */
  async clusterClient(options: ClusterOptions = {}): Promise<Cluster> {
    const client = new Cluster(this.cluster.startupNodes, { lazyConnect: true, ...this.clientOptions, ...options });
    client.on('error', () => {});
    client.on('node error', () => {});
    this.clients.add(client);
    await client.connect();
    return client;
  }

  client(): Promise<StorageClient> {
    return this.clusterClient();
  }

  async keys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    for (const node of await this.cluster.masters()) found.push(...(await keysOn(node, pattern)));
    return found;
  }

  async scriptFlush(): Promise<void> {
    await Promise.all(this.cluster.nodes.map((node) => node.command('SCRIPT', 'FLUSH')));
  }

  async killSubscribers(): Promise<void> {
    await Promise.all(this.cluster.nodes.map((node) => node.command('CLIENT', 'KILL', 'TYPE', 'pubsub')));
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    this.clients.clear();
    await this.cluster.stop();
  }
}
