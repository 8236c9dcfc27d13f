import { Cluster, type ClusterOptions } from 'ioredis';
import { attachLocalCluster, SHARED_CLUSTER_ENV, startLocalCluster, type LocalCluster, type LocalClusterNode } from '../../scripts/cluster.js';
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

/** How a backend holds its cluster: started for it, shared by the test run, or borrowed from another backend. */
type Tenure = 'own' | 'shared' | 'borrowed';

/**
 * The behaviour suite's Backend on a real local Redis Cluster (3 masters, 3
 * replicas). Starting one takes seconds and six redis-server processes, so
 * `npm test` starts one for the whole run (scripts/test.ts) and the files
 * that leave it as they found it use it ({@link ClusterBackend.shared}).
 */
export class ClusterBackend implements Backend {
  readonly name = 'cluster';
  private readonly clients = new Set<Cluster>();

  private constructor(
    readonly cluster: LocalCluster,
    private readonly clientOptions: ClusterOptions,
    private readonly tenure: Tenure,
  ) {}

  /**
   * A cluster of the test file's own: for tests that kill nodes, fail over,
   * move slots, put proxies in front, change CONFIG or ACLs, or SCRIPT FLUSH.
   * `clientOptions` apply to the clients handed to the storage, e.g. enableAutoPipelining.
   */
  static async start(clientOptions: ClusterOptions = {}): Promise<ClusterBackend> {
    return new ClusterBackend(await startLocalCluster(), clientOptions, 'own');
  }

  /**
   * The test run's shared cluster when `npm test` started one, else (a file
   * run alone with `npx ava`) a cluster of its own. Only for tests that
   * touch nothing but keys of their own prefix: other test files use it at
   * the same time, so {@link ClusterBackend.scriptFlush} and
   * {@link ClusterBackend.killSubscribers} refuse on it.
   */
  static async shared(clientOptions: ClusterOptions = {}): Promise<ClusterBackend> {
    const nodes = process.env[SHARED_CLUSTER_ENV];
    if (!nodes) return ClusterBackend.start(clientOptions);
    const cluster = attachLocalCluster(JSON.parse(nodes) as { host: string; port: number }[]);
    await cluster.waitUntilHealthy();
    return new ClusterBackend(cluster, clientOptions, 'shared');
  }

  /** Another backend on this one's cluster, with other client options; its stop() leaves the cluster running. */
  borrow(clientOptions: ClusterOptions = {}): ClusterBackend {
    return new ClusterBackend(this.cluster, clientOptions, 'borrowed');
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
    this.assertNotShared('SCRIPT FLUSH');
    await Promise.all(this.cluster.nodes.map((node) => node.command('SCRIPT', 'FLUSH')));
  }

  async killSubscribers(): Promise<void> {
    this.assertNotShared('CLIENT KILL TYPE pubsub');
    await Promise.all(this.cluster.nodes.map((node) => node.command('CLIENT', 'KILL', 'TYPE', 'pubsub')));
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    this.clients.clear();
    // A shared cluster's stop() only closes this process's connections to it.
    if (this.tenure !== 'borrowed') await this.cluster.stop();
  }

  private assertNotShared(what: string): void {
    if (this.tenure === 'shared') throw new Error(`${what} would disturb the other test files on the shared cluster: use ClusterBackend.start()`);
  }
}
