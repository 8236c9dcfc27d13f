import type { Redis } from 'ioredis';
import type { KeySchema } from '../keys/key-schema.js';
import { scriptClientOf } from '../scripts/script-client.js';
import { SingleNodeScriptLoader } from '../scripts/script-loader.js';
import { KeyspaceSubscriber } from '../subscriber/keyspace-subscriber.js';
import { probeKey, type Deployment } from './deployment.js';
import { connectWithCause } from './connect.js';

/**
 * On a Sentinel client (`new Redis({ sentinels, name })`), the storage's
 * connections leave the old master as soon as a sentinel announces the new
 * one (`+switch-master`) and find it through the sentinels. Without it they
 * stay until Sentinel turns the old master into a replica and drops its
 * clients, 10 to 20 s after the promotion, and every write the old master
 * acknowledges meanwhile is lost when it resyncs from the new master
 * (docs/sentinel.md). ioredis ignores the option without sentinels.
 */
const FOLLOW_FAILOVERS = { failoverDetector: true } as const;

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
  const connection = client.duplicate({ autoResendUnfulfilledCommands: false, lazyConnect: true, ...FOLLOW_FAILOVERS });
  // Connection errors are retried by ioredis; callers see them as REDIS_ERROR.
  connection.on('error', () => {});
  return connection;
}

/** One Redis server (or a Sentinel-managed master): scripts on its own connection, one subscriber. */
export function singleNodeDeployment(client: Redis, keys: KeySchema): Deployment {
  const connection = ownConnection(client);
  const scriptClient = scriptClientOf(connection);
  return {
    scriptClient,
    declaresKeys: false,
    scriptLoader: (onError) => new SingleNodeScriptLoader(scriptClient).followReconnects(connection, onError),
    subscriber: (handlers) =>
      new KeyspaceSubscriber({
        connection: client.duplicate({ autoResubscribe: false, lazyConnect: true, ...FOLLOW_FAILOVERS }),
        db: client.options.db ?? 0,
        // The storage's own command connection: a normal connection to the same server and db.
        probe: { commands: () => connection, newKey: () => probeKey(keys) },
        ...handlers,
      }),
    open: () => connectWithCause(connection),
    close: () => connection.disconnect(),
  };
}
