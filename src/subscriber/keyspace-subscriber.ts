import type { Redis } from 'ioredis';
import { nodeName, traceSubscriber } from '../observability/diagnostics.js';
import { keyeventChannels } from './keyevent-channels.js';
import { configureKeyspaceEvents } from './keyspace-events-config.js';
import { probeKeyspaceEvents, PROBE_TIMEOUT_MS, type ProbeSite } from './keyspace-events-probe.js';
import type { KeyEvent, KeyEventHandlers, Subscriber } from './subscriber.js';

export type { KeyEvent } from './subscriber.js';

export interface KeyspaceSubscriberOptions extends KeyEventHandlers {
  /** A connection of its own: it enters subscriber mode. Created with `autoResubscribe: false`. */
  connection: Redis;
  /** The database whose keyevent channels it subscribes to (0 on a cluster, which has no other). */
  db: number;
  /** Where the probe of `'verify'` (and of `'configure'` without CONFIG) writes: the connection's own node. */
  probe: ProbeSite;
  /** How long the probe waits for its notifications. */
  probeTimeoutMs?: number;
}

/**
 * ONE connection that receives the expired, evicted and del events of the
 * server's (database's) keys, on the three keyevent channels: the storage
 * keeps the keys of its own prefix and drops the others (see
 * KeySchema.parseValueKey), with no call. After each reconnect it checks
 * the keyspace-events setting again (a restarted server has lost a CONFIG
 * SET) before subscribing again, which is why ioredis's own
 * auto-resubscribe is off. Events missed while disconnected are not needed
 * for correctness: operations prune stale index entries themselves.
 */
export class KeyspaceSubscriber implements Subscriber {
  private started = false;
  private readonly channels: ReadonlyMap<string, KeyEvent>;

  constructor(private readonly options: KeyspaceSubscriberOptions) {
    const { connection } = options;
    this.channels = keyeventChannels(options.db);
    connection.on('message', (channel: string, key: string) => {
      const event = this.channels.get(channel);
      if (event) options.onKeyEvent(key, event);
    });
    connection.on('ready', () => {
      if (this.started)
        this.subscribe().then(
          () => traceSubscriber(nodeName(connection), 'resubscribed'),
          (e: unknown) => options.onError(e),
        );
    });
    // Connection errors are retried by ioredis; they are not the storage's to report.
    connection.on('error', () => {});
  }

  /** Resolves once the first subscription is active; rejects with KEYSPACE_EVENTS_DISABLED if the server cannot notify. */
  async start(): Promise<void> {
    await this.options.connection.connect();
    await this.subscribe();
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
    this.options.connection.disconnect();
  }

  private async subscribe(): Promise<void> {
    const { connection, mode, probe } = this.options;
    const configured = mode === 'configure' && (await configureKeyspaceEvents(connection));
    await connection.subscribe(...this.channels.keys());
    // The probe listens on these very subscriptions: what it hears, sessions' events will be heard too.
    if (!configured) {
      const node = connection.options.path ?? `${connection.options.host}:${connection.options.port}`;
      await probeKeyspaceEvents(connection, this.channels, probe, node, this.options.probeTimeoutMs ?? PROBE_TIMEOUT_MS);
    }
  }
}
