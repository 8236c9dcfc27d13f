import type { Cluster, Redis } from 'ioredis';
import type { KeySchema } from '../keys/key-schema.js';
import type { IoredisClient } from '../storage/options.js';
import { isCluster } from './cluster/cluster-client.js';
import { clusterDeployment } from './cluster/cluster-deployment.js';
import type { Deployment } from './deployment.js';
import { singleNodeDeployment } from './single-node.js';

export type { Deployment } from './deployment.js';

/**
 * The deployment of the caller's client: decided once, so the storage itself has no cluster branches.
 * The client is of the application's ioredis, 5 or 6 (a peer dependency); this code is typed with ioredis 6's
 * declarations and uses only what both majors have, as the test run on ioredis 5 (test/ioredis5) checks.
 */
export function deploymentOf(caller: IoredisClient, keys: KeySchema): Deployment {
  const client = caller as unknown as Redis | Cluster;
  return isCluster(client) ? clusterDeployment(client, keys) : singleNodeDeployment(client, keys);
}
