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

/**
 * What differs between one Redis server and a Redis Cluster, decided once
 * here so the storage itself has no cluster branches: where scripts are
 * loaded, and how many connections listen for keyspace events.
 */
export interface Deployment {
  /** What the script runner sends EVALSHA through. */
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
}

/**
 * A key of the keyspace pattern that is no session's: its subject is empty,
 * which no session has (validate.ts), so KeySchema.parseValueKey refuses it
 * and no cleanup runs for its notifications. Random, so that concurrent
 * probes of several instances never share a key.
 */
function probeKey(keys: KeySchema): string {
  return keys.valueKey('', `probe:${randomUUID()}`);
}

export function deploymentOf(client: Redis | Cluster, keys: KeySchema): Deployment {
  if (isCluster(client)) {
    return {
      scriptClient: redirectRetryingClient(client, scriptClientOf(client)),
      declaresKeys: true,
      scriptLoader: () => new ClusterScriptLoader(client),
      subscriber: (handlers) =>
        new ClusterKeyspaceSubscriber({ cluster: client, pattern: keys.keyspacePattern(0), probeKey: () => probeKey(keys), ...handlers }),
    };
  }
  return {
    scriptClient: scriptClientOf(client),
    declaresKeys: false,
    scriptLoader: (onError) => new SingleNodeScriptLoader(client).followReconnects(client, onError),
    subscriber: (handlers) =>
      new KeyspaceSubscriber({
        connection: client.duplicate({ autoResubscribe: false, lazyConnect: true }),
        pattern: keys.keyspacePattern(client.options.db ?? 0),
        // The caller's client: a normal connection to the same server and db.
        probe: { commands: () => client, newKey: () => probeKey(keys) },
        ...handlers,
      }),
  };
}
