import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { keyspaceEventsDisabled } from './keyspace-events-config.js';
import type { KeyEvent } from './subscriber.js';

/** What the probe sends, on a normal (not subscribed) connection that reaches the subscriber's node. */
export type ProbeCommands = Pick<Redis, 'set' | 'get' | 'del'>;

/** Where a probe is written: the node whose notifications the subscriber receives. */
export interface ProbeSite {
  /** Asked at each probe: a cluster's connection to a node can be replaced between reconnects. */
  commands(): ProbeCommands;
  /**
   * A fresh key of the storage's prefix that lives on that node and is no
   * session's key (KeySchema.parseValueKey rejects it, so no cleanup ever
   * runs for it).
   */
  newKey(): string;
}

/** How long the notifications of a probe may take before the flags are taken to be missing. */
export const PROBE_TIMEOUT_MS = 2000;

/** The second probe key needs no TTL to be deleted, but one makes sure it goes away if the DEL is lost with the connection. */
const DELETED_PROBE_TTL_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Verifies without CONFIG (managed Redis, least privilege) that the server
 * delivers what the subscriber needs, by causing it: one probe key expires
 * (an `expired` notification needs E and x), another is deleted (`del`
 * needs E and g). `subscriber` must already be subscribed to `channels`
 * (see keyeventChannels). `evicted` (e) cannot be caused without memory
 * pressure, so it is not probed.
 *
 * Probe keys are never left behind: the first has a 1 ms TTL, the second a
 * TTL as well as its DEL.
 */
export async function probeKeyspaceEvents(
  subscriber: EventEmitter,
  channels: ReadonlyMap<string, KeyEvent>,
  site: ProbeSite,
  node: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<void> {
  const expiring = site.newKey();
  const deleted = site.newKey();
  let expired = false;
  let del = false;
  let wake = (): void => {};
  const arrived = new Promise<void>((resolve) => (wake = resolve));
  const listener = (channel: string, key: string): void => {
    const event = channels.get(channel);
    if (key === expiring && event === 'expired') expired = true;
    if (key === deleted && event === 'del') del = true;
    if (expired && del) wake();
  };
  subscriber.on('message', listener);
  let timer: NodeJS.Timeout | undefined;
  const commands = site.commands();
  try {
    const deadline = Date.now() + timeoutMs;
    await commands.set(expiring, '1', 'PX', 1);
    await commands.set(deleted, '1', 'PX', DELETED_PROBE_TTL_MS);
    await commands.del(deleted);
    // A read of a key past its expiry expires it there and then (and publishes
    // 'expired'): no waiting for Redis's active expiry cycle, which samples.
    while ((await commands.get(expiring)) !== null && Date.now() < deadline) await sleep(2);
    await Promise.race([arrived, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
  } finally {
    clearTimeout(timer);
    subscriber.off('message', listener);
  }
  if (expired && del) return;
  const lacks = expired
    ? '"g" (the del events of the storage\'s probe key did not arrive)'
    : del
      ? '"x" (the expired events of the storage\'s probe key did not arrive)'
      : '"E" (or both "g" and "x": no keyevent notification of the storage\'s probe keys arrived)';
  throw keyspaceEventsDisabled(`waited ${timeoutMs} ms: the notify-keyspace-events of the server at ${node} lacks ${lacks}`);
}
