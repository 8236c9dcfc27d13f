import type { KeyEvent } from './subscriber.js';

const KEY_EVENTS: readonly KeyEvent[] = ['expired', 'evicted', 'del'];

/**
 * The keyevent channels the subscriber listens on, each with the event it
 * carries: `__keyevent@<db>__:expired`, `:evicted` and `:del`, whose message
 * is the key's name. Keyevent channels rather than a keyspace pattern:
 * with `g`, Redis also publishes `expire` for every key given a TTL (every
 * insert and touch), and on the keyspace channel of a value key that would
 * reach every subscribed instance; on the keyevent side it goes to
 * `__keyevent@<db>__:expire`, which nobody here subscribes to. Exact channel
 * names, not a pattern: SUBSCRIBE, and ACL rules naming these three.
 */
export function keyeventChannels(db: number): ReadonlyMap<string, KeyEvent> {
  return new Map(KEY_EVENTS.map((event) => [`__keyevent@${db}__:${event}`, event]));
}
