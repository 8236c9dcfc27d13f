import { randomUUID } from 'node:crypto';
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
  /**
   * Whether scripts may touch only the keys they declare. Redis Cluster
   * needs it to route and to refuse correctly while a slot migrates; on one
   * server every key is local, and subject-wide scripts find the value keys
   * themselves, in one round trip instead of two.
   */
  declaresKeys: boolean;
  scriptLoader(onError: (error: unknown) => void): ScriptLoader;
  subscriber(handlers: KeyEventHandlers): Subscriber;
  /** Connects the storage's own connection; rejects if Redis cannot be reached. */
  open(): Promise<void>;
  /** Closes the storage's own connection: what is still in flight fails with REDIS_ERROR. */
  close(): void;
}

/**
 * A key of the storage's prefix that is no session's: its subject is empty,
 * which no session has (validate.ts), so KeySchema.parseValueKey refuses it
 * and no instance runs a cleanup for its notifications. Random, so that
 * concurrent probes of several instances never share a key.
 */
function probeKey(keys: KeySchema): string {
  return keys.valueKey('', `probe:${randomUUID()}`);
}

export function deploymentOf(client: Redis | Cluster, keys: KeySchema): Deployment {
  if (isCluster(client)) {
    const connection = ownCluster(client);
    return {
      scriptClient: redirectRetryingClient(connection, scriptClientOf(connection)),
      declaresKeys: true,
      scriptLoader: () => new ClusterScriptLoader(connection),
      // It follows the topology of the client that carries the storage's traffic: a MOVED refreshes its slots at once.
      subscriber: (handlers) => new ClusterKeyspaceSubscriber({ cluster: connection, probeKey: () => probeKey(keys), ...handlers }),
      open: () => connection.connect(),
      close: () => connection.disconnect(),
    };
  }
  const connection = ownConnection(client);
  const scriptClient = scriptClientOf(connection);
  return {
    scriptClient,
    declaresKeys: false,
    scriptLoader: (onError) => new SingleNodeScriptLoader(scriptClient).followReconnects(connection, onError),
    subscriber: (handlers) =>
      new KeyspaceSubscriber({
        connection: client.duplicate({ autoResubscribe: false, lazyConnect: true }),
        db: client.options.db ?? 0,
        // The storage's own command connection: a normal connection to the same server and db.
        probe: { commands: () => connection, newKey: () => probeKey(keys) },
        ...handlers,
      }),
    open: () => connection.connect(),
    close: () => connection.disconnect(),
  };
}
