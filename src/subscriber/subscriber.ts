import type { KeyspaceEventsMode } from './keyspace-events-config.js';

/**
 * The keyspace events that end a session: its TTL ran out (`expired`),
 * maxmemory eviction (`evicted`), or a DEL/UNLINK from outside (`del`; the
 * storage's own scripts' DELs arrive too and find nothing left to report).
 */
export type KeyEvent = 'expired' | 'evicted' | 'del';

/** What the storage asks of a subscriber, on one server or on a cluster. */
export interface Subscriber {
  /** Resolves once events flow; rejects with KEYSPACE_EVENTS_DISABLED if a server cannot notify. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How the storage hears of its keys' ends. */
export interface KeyEventHandlers {
  mode: Exclude<KeyspaceEventsMode, 'off'>;
  onKeyEvent(key: string, event: KeyEvent): void;
  /** Failures after start(): re-configuring or re-subscribing after a reconnect. */
  onError(error: unknown): void;
}
