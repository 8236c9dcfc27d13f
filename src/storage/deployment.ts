import type { Cluster, Redis } from 'ioredis';
import { isCluster } from '../cluster/cluster-client.js';
import { ClusterScriptLoader } from '../cluster/cluster-script-loader.js';
import { redirectRetryingClient } from '../cluster/redirect-retry.js';
import type { KeySchema } from '../keys/key-schema.js';
import { SingleNodeScriptLoader, type ScriptLoader } from '../scripts/script-loader.js';
import { scriptClientOf, type ScriptClient } from '../scripts/script-client.js';
import { ClusterKeyspaceSubscriber } from '../subscriber/cluster-keyspace-subscriber.js';
import { KeyspaceSubscriber } from '../subscriber/keyspace-subscriber.js';
import type { KeyEventHandlers, Subscriber } from '../subscriber/subscriber.js';
import { ownCluster, ownConnection } from './command-connection.js';

/**
 * What differs between one Redis server and a Redis Cluster, decided once
 * here so the storage itself has no cluster branches: where scripts are
 * loaded, and how many connections listen for keyspace events.
 */
export interface Deployment {
  /** What the script runner sends EVALSHA through: the storage's own connection. */
  scriptClient: ScriptClient;
  scriptLoader(onError: (error: unknown) => void): ScriptLoader;
  subscriber(handlers: KeyEventHandlers): Subscriber;
  /** Connects the storage's own connection; rejects if Redis cannot be reached. */
  open(): Promise<void>;
  /** Closes the storage's own connection: what is still in flight fails with REDIS_ERROR. */
  close(): void;
}

export function deploymentOf(client: Redis | Cluster, keys: KeySchema): Deployment {
  if (isCluster(client)) {
    const connection = ownCluster(client);
    return {
      scriptClient: redirectRetryingClient(connection, scriptClientOf(connection)),
      scriptLoader: () => new ClusterScriptLoader(connection),
      // It follows the topology of the client that carries the storage's traffic: a MOVED refreshes its slots at once.
      subscriber: (handlers) => new ClusterKeyspaceSubscriber({ cluster: connection, pattern: keys.keyspacePattern(0), ...handlers }),
      open: () => connection.connect(),
      close: () => connection.disconnect(),
    };
  }
  const connection = ownConnection(client);
  const scriptClient = scriptClientOf(connection);
  return {
    scriptClient,
    scriptLoader: (onError) => new SingleNodeScriptLoader(scriptClient).followReconnects(connection, onError),
    subscriber: (handlers) =>
      new KeyspaceSubscriber({
        connection: client.duplicate({ autoResubscribe: false, lazyConnect: true }),
        pattern: keys.keyspacePattern(client.options.db ?? 0),
        ...handlers,
      }),
    open: () => connection.connect(),
    close: () => connection.disconnect(),
  };
}
