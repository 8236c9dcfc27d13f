import type { Cluster, Redis } from 'ioredis';

/**
 * The storage's own connection for its commands: a duplicate of the
 * caller's client (same server, credentials, TLS, db, timeouts) that never
 * re-sends a command whose connection closed before its reply. With
 * ioredis's default `autoResendUnfulfilledCommands: true`, a script whose
 * reply was lost would run a second time after the reconnect and answer
 * from that second run (an insert "already exists", a deleteAll ended 0),
 * or a call the caller was told had failed would run when the network heals.
 * Tracking every command (src/scripts/tracked-command.ts) settles what this
 * leaves unanswered. Being its own, it can also be reset on a timeout
 * without failing the caller's other commands.
 */
export function ownConnection(client: Redis): Redis {
  const connection = client.duplicate({ autoResendUnfulfilledCommands: false, lazyConnect: true });
  // Connection errors are retried by ioredis; callers see them as REDIS_ERROR.
  connection.on('error', () => {});
  return connection;
}

/**
 * A Cluster client of the storage's own, for the same reason: node
 * connections that reconnect (`clusterNodeRetryStrategy`) would re-send.
 * ioredis's Cluster also sends a command again, to another node, when its
 * node connection closes ("Connection is closed." and `retryDelayOnFailover`);
 * tracked commands pass that on only if they were never written.
 */
export function ownCluster(cluster: Cluster): Cluster {
  const connection = cluster.duplicate([], { lazyConnect: true, redisOptions: { autoResendUnfulfilledCommands: false } });
  connection.on('error', () => {});
  connection.on('node error', () => {});
  return connection;
}
