import type { Cluster, Redis } from 'ioredis';

/** An ioredis Cluster, told apart by its own flag so that a second copy of ioredis in the app still counts. */
export function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/** The key ioredis uses for a node in `cluster.slots`: "host:port". */
export function nodeKey(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/** Resolves once the cluster has its slot map, connecting a lazy one. */
export async function clusterReady(cluster: Cluster): Promise<void> {
  // A keyless command waits in the offline queue until the slots are known.
  await cluster.ping();
}

/** Reloads ioredis's slot map (CLUSTER SLOTS); concurrent callers share one refresh. */
export function refreshSlots(cluster: Cluster): Promise<void> {
  return new Promise((resolve, reject) => cluster.refreshSlotsCache((error) => (error ? reject(error) : resolve())));
}
