import type { Redis } from 'ioredis';
import { ensureKeyspaceEvents } from './keyspace-events-config.js';
import type { KeyEventHandlers, Subscriber } from './subscriber.js';

export type { KeyEvent } from './subscriber.js';

export interface KeyspaceSubscriberOptions extends KeyEventHandlers {
  /** A connection of its own: it enters subscriber mode. Created with `autoResubscribe: false`. */
  connection: Redis;
  /** A PSUBSCRIBE pattern; see KeySchema.keyspacePattern. */
  pattern: string;
}

/**
 * ONE connection that receives the expired and evicted events of every
 * session of one storage, whatever the number of sessions. After each
 * reconnect it re-applies the keyspace-events setting (a restarted server
 * has lost it) before subscribing again, which is why ioredis's own
 * auto-resubscribe is off. Events missed while disconnected are not needed
 * for correctness: operations prune stale index entries themselves.
 */
export class KeyspaceSubscriber implements Subscriber {
  private started = false;

  constructor(private readonly options: KeyspaceSubscriberOptions) {
    const { connection } = options;
    connection.on('pmessage', (_pattern: string, channel: string, message: string) => {
      if (message !== 'expired' && message !== 'evicted') return;
      const at = channel.indexOf('__:');
      if (at >= 0) options.onKeyEvent(channel.slice(at + 3), message);
    });
    connection.on('ready', () => {
      if (this.started) this.subscribe().catch((e: unknown) => options.onError(e));
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
    const { connection, mode, pattern } = this.options;
    await ensureKeyspaceEvents(connection, mode);
    await connection.psubscribe(pattern);
  }
}
