import type { Cluster } from 'ioredis';
import type { KeySchema } from '../../keys/key-schema.js';
import { scriptClientOf } from '../../scripts/script-client.js';
import { probeKey, type Deployment } from '../deployment.js';
import { connectWithCause } from '../connect.js';
import { ClusterKeyspaceSubscriber } from './cluster-keyspace-subscriber.js';
import { ClusterScriptLoader } from './cluster-script-loader.js';
import { redirectRetryingClient } from './redirect-retry.js';

/**
 * A Cluster client of the storage's own, for the same reason: node
 * connections that reconnect (`clusterNodeRetryStrategy`) would re-send.
 * ioredis's Cluster also sends a command again, to another node, when its
 * node connection closes ("Connection is closed." and `retryDelayOnFailover`);
 * tracked commands pass that on only if they were never written.
 */
export function ownCluster(cluster: Cluster): Cluster {
  // The caller's redisOptions (credentials, TLS, connectionName) spelled out: ioredis 5's duplicate() replaces
  // redisOptions with the override's instead of merging them as ioredis 6 does.
  const redisOptions = { ...cluster.options.redisOptions, autoResendUnfulfilledCommands: false };
  const connection = cluster.duplicate([], { lazyConnect: true, redisOptions });
  connection.on('error', () => {});
  connection.on('node error', () => {});
  return connection;
}

/**
 * A Redis Cluster: scripts on a Cluster client of the storage's own, sent
 * again when a cluster in transition refused them, loaded on every master;
 * scripts declare every key they touch; one subscriber per master.
 */
export function clusterDeployment(cluster: Cluster, keys: KeySchema): Deployment {
  const connection = ownCluster(cluster);
  return {
    scriptClient: redirectRetryingClient(connection, scriptClientOf(connection)),
    declaresKeys: true,
    scriptLoader: () => new ClusterScriptLoader(connection),
    // It follows the topology of the client that carries the storage's traffic: a MOVED refreshes its slots at once.
    subscriber: (handlers) => new ClusterKeyspaceSubscriber({ cluster: connection, probeKey: () => probeKey(keys), ...handlers }),
    open: () => connectWithCause(connection),
    close: () => connection.disconnect(),
  };
}
