/**
 * The storage's background work, published on `node:diagnostics_channel`
 * channels: what no call's promise reports (script reloads, topology
 * changes and the subscribers that follow them, redirect retries, failures
 * in the background). A message is built only when the channel has a
 * subscriber, so an unobserved storage pays one property read per event.
 * See docs/observability.md.
 */
import { channel } from 'node:diagnostics_channel';
import type { UserSessionStorageError } from '../errors/user-session-storage-error.js';

/** The name of every channel the storage publishes on; subscribe with `diagnostics_channel.subscribe(name, fn)`. */
export const diagnosticsChannels = {
  /** {@link ScriptLoadMessage}: scripts loaded (or not) outside any call's path, or after a NOSCRIPT. */
  scriptLoad: 'user-session-redis-storage:script-load',
  /** {@link TopologyMessage}: the set of cluster masters changed. */
  topology: 'user-session-redis-storage:topology',
  /** {@link SubscriberMessage}: a keyspace subscriber (re)subscribed, stopped, or failed to subscribe. */
  subscriber: 'user-session-redis-storage:subscriber',
  /** {@link RedirectRetryMessage}: a cluster refused a script (MOVED, ASK, TRYAGAIN, CLUSTERDOWN); it is sent again or given up. */
  redirectRetry: 'user-session-redis-storage:redirect-retry',
  /** {@link BackgroundErrorMessage}: a failure no call can report, whether or not an `'error'` listener exists. */
  backgroundError: 'user-session-redis-storage:background-error',
} as const;

/** Published on {@link diagnosticsChannels}.scriptLoad once the load settled. */
export interface ScriptLoadMessage {
  /**
   * Why: `'ready'` (a connection became ready: its first connect, or a
   * reconnect, after which a restarted server has no scripts), `'new-node'` (ioredis connected to another cluster
   * node), `'new-master'` (a slot map refresh found a master not loaded
   * yet), `'noscript'` (a call's EVALSHA was answered NOSCRIPT).
   */
  trigger: 'ready' | 'new-node' | 'new-master' | 'noscript';
  /** "host:port" (or the socket path) of the node loaded; `undefined` when loaded on every node of a cluster. */
  node: string | undefined;
  /** The script loaded after a NOSCRIPT; `'all'` for a preload of every script. */
  script: string;
  /** Why the load failed; `undefined` when it succeeded. */
  error: unknown;
}

/** Published on {@link diagnosticsChannels}.topology when the masters of a cluster differ from the last ones seen. */
export interface TopologyMessage {
  /** Every master now, "host:port". */
  masters: string[];
  /** Masters that were not before: a promoted replica, a new master. */
  added: string[];
  /** Masters that are no longer: failed over, or without slots. */
  removed: string[];
}

/** Published on {@link diagnosticsChannels}.subscriber. */
export interface SubscriberMessage {
  /** The node whose keyspace events the subscriber listens to, "host:port" (or the socket path). */
  node: string;
  /**
   * `'subscribed'`: listening (at start, or for a new master);
   * `'resubscribed'`: again after a reconnect; `'stopped'`: the node is no
   * longer a master; `'failed'`: subscribing failed, the next topology check
   * tries again.
   */
  action: 'subscribed' | 'resubscribed' | 'stopped' | 'failed';
  /** Why it failed; `undefined` otherwise. */
  error: unknown;
}

/** Published on {@link diagnosticsChannels}.redirectRetry each time ioredis hands a cluster's refusal back. */
export interface RedirectRetryMessage {
  /** The refusal: the command did not run. */
  refusal: 'MOVED' | 'ASK' | 'TRYAGAIN' | 'CLUSTERDOWN';
  /** 1 for the first send. */
  attempt: number;
  /** The script's first key, which decides its slot. */
  key: string | undefined;
  /** `false` when this was the last attempt: the caller gets the refusal as `REDIS_ERROR`. */
  willRetry: boolean;
}

/** Published on {@link diagnosticsChannels}.backgroundError. */
export interface BackgroundErrorMessage {
  /**
   * What failed: `'script-load'` (a preload after a reconnect),
   * `'subscriber'` (re-configuring or re-subscribing after a reconnect, a
   * refused configuration of a new master), `'cleanup'` (the cleanup call
   * after a keyspace notification).
   */
  task: 'script-load' | 'subscriber' | 'cleanup';
  /** The storage's key prefix. */
  keyPrefix: string;
  /** The error, as an `'error'` listener gets it. */
  error: UserSessionStorageError;
  /** Whether an `'error'` listener was there to get it. */
  emitted: boolean;
}

const scriptLoad = channel(diagnosticsChannels.scriptLoad);
const topology = channel(diagnosticsChannels.topology);
const subscriber = channel(diagnosticsChannels.subscriber);
const redirectRetry = channel(diagnosticsChannels.redirectRetry);
const backgroundError = channel(diagnosticsChannels.backgroundError);

/** Publishes the outcome of `load` on the script-load channel; returns `load` itself, so callers still see its failure. */
export function traceScriptLoad<T>(load: Promise<T>, message: Omit<ScriptLoadMessage, 'error'>): Promise<T> {
  if (scriptLoad.hasSubscribers) {
    load.then(
      () => scriptLoad.publish({ ...message, error: undefined } satisfies ScriptLoadMessage),
      (error: unknown) => scriptLoad.publish({ ...message, error } satisfies ScriptLoadMessage),
    );
  }
  return load;
}

/** Publishes a change of the masters. */
export function traceTopology(previous: ReadonlySet<string>, masters: ReadonlySet<string>): void {
  if (!topology.hasSubscribers) return;
  const added = [...masters].filter((m) => !previous.has(m));
  const removed = [...previous].filter((m) => !masters.has(m));
  if (added.length > 0 || removed.length > 0) topology.publish({ masters: [...masters], added, removed } satisfies TopologyMessage);
}

/** Publishes what a keyspace subscriber did. */
export function traceSubscriber(node: string, action: SubscriberMessage['action'], error?: unknown): void {
  if (subscriber.hasSubscribers) subscriber.publish({ node, action, error } satisfies SubscriberMessage);
}

/** Publishes a refusal met by the redirect retry. */
export function traceRedirectRetry(message: RedirectRetryMessage): void {
  if (redirectRetry.hasSubscribers) redirectRetry.publish(message);
}

/** Publishes a background failure. */
export function traceBackgroundError(message: BackgroundErrorMessage): void {
  if (backgroundError.hasSubscribers) backgroundError.publish(message);
}

/** "host:port", or the socket path, of a connection's server: as messages name nodes. */
export function nodeName(connection: { options: { path?: string | null; host?: string; port?: number } }): string {
  return connection.options.path ?? `${connection.options.host}:${connection.options.port}`;
}
