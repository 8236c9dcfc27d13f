import type { Redis } from 'ioredis';
import { nodeName, traceSubscriber } from '../observability/diagnostics.js';
import { keyOfChannel } from './keyspace-channel.js';
import { configureKeyspaceEvents } from './keyspace-events-config.js';
import { probeKeyspaceEvents, PROBE_TIMEOUT_MS, type ProbeSite } from './keyspace-events-probe.js';
import type { KeyEvent, KeyEventHandlers, Subscriber } from './subscriber.js';

export type { KeyEvent } from './subscriber.js';

export interface KeyspaceSubscriberOptions extends KeyEventHandlers {
  /** A connection of its own: it enters subscriber mode. Created with `autoResubscribe: false`. */
  connection: Redis;
  /** A PSUBSCRIBE pattern; see KeySchema.keyspacePattern. */
  pattern: string;
  /** Where the probe of `'verify'` (and of `'configure'` without CONFIG) writes: the connection's own node. */
  probe: ProbeSite;
  /** How long the probe waits for its notifications. */
  probeTimeoutMs?: number;
}

const KEY_EVENTS: ReadonlySet<string> = new Set<KeyEvent>(['expired', 'evicted', 'del']);

/**
 * ONE connection that receives the expired, evicted and del events of every
 * session of one storage, whatever the number of sessions. After each
 * reconnect it checks the keyspace-events setting again (a restarted server
 * has lost a CONFIG SET) before subscribing again, which is why ioredis's
 * own auto-resubscribe is off. Events missed while disconnected are not
 * needed for correctness: operations prune stale index entries themselves.
 */
export class KeyspaceSubscriber implements Subscriber {
  private started = false;

  constructor(private readonly options: KeyspaceSubscriberOptions) {
    const { connection } = options;
    connection.on('pmessage', (_pattern: string, channel: string, message: string) => {
      // 'g' also publishes 'expire' for every insert and touch: ignored here, at the cost of the message alone.
      if (!KEY_EVENTS.has(message)) return;
      const key = keyOfChannel(channel);
      if (key !== undefined) options.onKeyEvent(key, message as KeyEvent);
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
    const { connection, mode, pattern, probe } = this.options;
    const configured = mode === 'configure' && (await configureKeyspaceEvents(connection));
    await connection.psubscribe(pattern);
    // The probe listens on this very subscription: what it hears, sessions' events will be heard too.
    if (!configured) {
      const node = connection.options.path ?? `${connection.options.host}:${connection.options.port}`;
      await probeKeyspaceEvents(connection, probe, node, this.options.probeTimeoutMs ?? PROBE_TIMEOUT_MS);
    }
  }
}
