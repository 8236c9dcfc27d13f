import type { Cluster, Redis } from 'ioredis';
import type { KeySchema } from '../keys/key-schema.js';
import { isCluster } from './cluster/cluster-client.js';
import { clusterDeployment } from './cluster/cluster-deployment.js';
import type { Deployment } from './deployment.js';
import { singleNodeDeployment } from './single-node.js';

export type { Deployment } from './deployment.js';

/** The deployment of the caller's client: decided once, so the storage itself has no cluster branches. */
export function deploymentOf(client: Redis | Cluster, keys: KeySchema): Deployment {
  return isCluster(client) ? clusterDeployment(client, keys) : singleNodeDeployment(client, keys);
}
