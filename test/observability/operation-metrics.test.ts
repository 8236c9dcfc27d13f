/**
 * Every call of a storage on one server is published on its operation's
 * tracing channel with the message docs/observability.md describes, and
 * nothing is built when no one subscribes. Channels are process-wide and
 * the tests of this file run at once: each uses a key prefix of its own and
 * keeps only the messages of that prefix.
 */
import { tracingChannel, type TracingChannelSubscribers } from 'node:diagnostics_channel';
import test, { type ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import {
  operationChannels,
  UserSessionRedisStorage,
  UserSessionStorageError,
  type OperationMessage,
  type OperationName,
  type SessionEndedEvent,
  type UserSessionStorageOptions,
} from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { traceOperation } from '../../src/observability/operation-metrics.js';
import { luaScripts } from '../../src/scripts/lua.generated.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestRedis;
let admin: Redis;

test.before(async () => {
  server = await TestRedis.start();
  admin = await server.client();
});
test.after.always(() => server?.stop());

interface Traced {
  message: OperationMessage;
  /** The channel's events for this message, in order. */
  events: string[];
}

/** Every call traced on any operation's channel for `keyPrefix`, from now until the test ends, once it reached asyncEnd or error. */
function traceCalls(t: ExecutionContext, keyPrefix: string): { settled: Traced[]; started: OperationMessage[] } {
  const byMessage = new Map<OperationMessage, Traced>();
  const settled: Traced[] = [];
  const started: OperationMessage[] = [];
  const on =
    (event: string) =>
    (message: unknown): void => {
      const m = message as OperationMessage;
      if (m.keyPrefix !== keyPrefix) return;
      if (event === 'start') {
        started.push(m);
        byMessage.set(m, { message: m, events: [] });
      }
      const traced = byMessage.get(m)!;
      traced.events.push(event);
      if (event === 'asyncEnd') settled.push(traced);
    };
  const handlers: TracingChannelSubscribers<object> = {
    start: on('start'),
    end: on('end'),
    asyncStart: on('asyncStart'),
    asyncEnd: on('asyncEnd'),
    error: on('error'),
  };
  for (const name of Object.values(operationChannels)) tracingChannel(name).subscribe(handlers);
  t.teardown(() => {
    for (const name of Object.values(operationChannels)) tracingChannel(name).unsubscribe(handlers);
  });
  return { settled, started };
}

async function open(
  t: ExecutionContext,
  keyPrefix: string,
  options: Partial<UserSessionStorageOptions<unknown>> = {},
): Promise<UserSessionRedisStorage> {
  const storage = await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix, keyspaceEvents: 'off', ...options });
  t.teardown(() => storage.close());
  return storage;
}

/** Every session-ended event the storage emits. */
function endedEvents(storage: UserSessionRedisStorage): string[] {
  const seen: string[] = [];
  for (const reason of ['expired', 'evicted', 'deleted'] as const) {
    storage.on(reason, ({ sessionId }: SessionEndedEvent) => seen.push(`${reason} ${sessionId}`));
  }
  return seen;
}

const none = { expired: 0, evicted: 0, deleted: 0, rotated: 0, reused: 0 };
const OK_EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd'];
const ERROR_EVENTS = ['start', 'end', 'error', 'asyncStart', 'asyncEnd'];

test('every operation of the API publishes one message per call, with its outcome, result and ended sessions', async (t) => {
  const { settled } = traceCalls(t, 'ok');
  const storage = await open(t, 'ok');
  const results: unknown[] = [
    await storage.insert('user-1', 'a', { n: 1 }, 60),
    await storage.insert('user-1', 'b', { n: 2 }, 60),
    await storage.read('user-1', 'a'),
    await storage.readAll('user-1'),
    await storage.touch('user-1', 'a', 60),
    await storage.update('user-1', 'a', { n: 3 }),
    await storage.count('user-1'),
    await storage.delete('user-1', 'a'),
    await storage.deleteAll('user-1'),
  ];
  const operations: OperationName[] = ['insert', 'insert', 'read', 'readAll', 'touch', 'update', 'count', 'delete', 'deleteAll'];
  t.deepEqual(
    settled.map(({ message }) => message.operation),
    operations,
  );
  settled.forEach(({ message, events }, i) => {
    t.deepEqual(events, OK_EVENTS, `${message.operation}: the events of a promise that resolved`);
    t.like(message, { operation: operations[i], keyPrefix: 'ok', subject: 'user-1', outcome: 'ok', needKeys: 0, error: undefined });
    t.deepEqual(message.result, results[i], `${message.operation}: the result is what the caller got`);
  });
  t.deepEqual(settled[7]!.message.ended, { ...none, deleted: 1 }, 'delete ended one session');
  t.deepEqual(settled[8]!.message.ended, { ...none, deleted: 1 }, 'deleteAll ended the one left');
  t.deepEqual(
    settled.slice(0, 7).map(({ message }) => message.ended),
    Array<typeof none>(7).fill(none),
  );
  t.false('sessionId' in settled[0]!.message, 'the session id, a credential, is not in the message');
});

test('rotate, a reuse, readAndTouch and deleteOthers are traced like every operation, with rotated and reused counted', async (t) => {
  const { settled } = traceCalls(t, 'lifecycle');
  const storage = await open(t, 'lifecycle');
  await storage.insert('user-1', 'a', { n: 1 }, 60);
  await storage.insert('user-1', 'keep', { n: 2 }, 60);
  t.true(await storage.rotate('user-1', 'a', 'b', 60));
  t.is(await storage.readAndTouch('user-1', 'a', 60), undefined, 'a rotated id: a reuse, which revokes b');
  t.truthy(await storage.readAndTouch('user-1', 'keep', 60));
  t.is(await storage.deleteOthers('user-1', 'keep'), 0);
  t.deepEqual(
    settled.map(({ message }) => [message.operation, message.outcome, message.ended]),
    [
      ['insert', 'ok', none],
      ['insert', 'ok', none],
      ['rotate', 'ok', { ...none, rotated: 1 }],
      ['readAndTouch', 'ok', { ...none, reused: 1, deleted: 1 }],
      ['readAndTouch', 'ok', none],
      ['deleteOthers', 'ok', none],
    ],
  );
});

test('a refused insert is traced with its code, the error the caller got and the entries it pruned', async (t) => {
  const { settled } = traceCalls(t, 'limit');
  const keys = new KeySchema('limit');
  const roomy = await open(t, 'limit', { concurrentSessions: 2 });
  await roomy.insert('user-1', 'a', {}, 60);
  await roomy.insert('user-1', 'b', {}, 60);
  await admin.del(keys.valueKey('user-1', 'b'));
  const strict = await open(t, 'limit', { concurrentSessions: 1, onLimit: 'reject' });
  const events = endedEvents(strict);
  const refusal = await t.throwsAsync(strict.insert('user-1', 'c', {}, 60), { instanceOf: UserSessionStorageError });
  t.is(refusal.code, 'TOO_MANY_CONCURRENT_SESSIONS');

  const { message, events: channelEvents } = settled.at(-1)!;
  t.deepEqual(channelEvents, ERROR_EVENTS, 'the events of a promise that rejected');
  t.like(message, { operation: 'insert', outcome: 'TOO_MANY_CONCURRENT_SESSIONS', ended: { ...none, evicted: 1 } });
  t.is(message.error, refusal, 'the very error the caller got');
  t.false('result' in message);
  await waitFor('the event of the pruned entry', () => events.length >= 1);
  t.deepEqual(events, ['evicted b'], 'one event per ended session counted');
});

test("an insert that evicts the oldest session counts it as 'deleted'", async (t) => {
  const { settled } = traceCalls(t, 'evict');
  const storage = await open(t, 'evict', { concurrentSessions: 1, onLimit: 'evict-oldest' });
  const events = endedEvents(storage);
  await storage.insert('user-1', 'a', {}, 60);
  await storage.insert('user-1', 'b', {}, 60);
  t.like(settled[1]!.message, { operation: 'insert', outcome: 'ok', ended: { ...none, deleted: 1 } });
  await waitFor('the deleted event', () => events.length >= 1);
  t.deepEqual(events, ['deleted a']);
});

test('entries of sessions that expired or were evicted unseen are counted by reason, as the events emitted', async (t) => {
  const { settled } = traceCalls(t, 'pruned');
  const keys = new KeySchema('pruned');
  const storage = await open(t, 'pruned');
  const events = endedEvents(storage);
  for (const id of ['a', 'b', 'c']) await storage.insert('user-1', id, {}, 60);
  // 'a' ended without anyone seeing it: its value is gone and its entry says it expired a minute ago.
  await admin.zadd(keys.indexKey('user-1'), 'XX', Date.now() - 60_000, 'a');
  await admin.del(keys.valueKey('user-1', 'a'), keys.valueKey('user-1', 'b'));
  t.is(await storage.count('user-1'), 1);
  t.like(settled.at(-1)!.message, { operation: 'count', outcome: 'ok', result: 1, ended: { expired: 1, evicted: 1, deleted: 0 } });
  await waitFor('the events of both pruned entries', () => events.length >= 2);
  t.deepEqual(events.sort(), ['evicted b', 'expired a']);
});

test("the storage's own cleanup after a keyspace notification is traced as 'cleanup'", async (t) => {
  const { settled } = traceCalls(t, 'cleanup');
  const keys = new KeySchema('cleanup');
  const storage = await open(t, 'cleanup', { keyspaceEvents: 'configure' });
  const events = endedEvents(storage);
  await storage.insert('user-1', 'a', {}, 60);
  await admin.del(keys.valueKey('user-1', 'a'));
  await waitFor('the cleanup call to settle', () => settled.some(({ message }) => message.operation === 'cleanup'));
  const cleanup = settled.find(({ message }) => message.operation === 'cleanup')!.message;
  t.like(cleanup, { subject: 'user-1', outcome: 'ok', result: true, ended: { ...none, evicted: 1 }, needKeys: 0 });
  await waitFor('the evicted event', () => events.length >= 1);
  t.deepEqual(events, ['evicted a']);
});

test('a Redis failure is traced as REDIS_ERROR', async (t) => {
  const { settled } = traceCalls(t, 'failing');
  const storage = await open(t, 'failing');
  // An index key of another type: the script fails (WRONGTYPE) before writing anything.
  await admin.set(new KeySchema('failing').indexKey('user-1'), 'not a sorted set');
  const error = await t.throwsAsync(storage.read('user-1', 'a'), { instanceOf: UserSessionStorageError });
  t.is(error.code, 'REDIS_ERROR');
  t.deepEqual(settled.at(-1)!.events, ERROR_EVENTS);
  t.like(settled.at(-1)!.message, { operation: 'read', outcome: 'REDIS_ERROR', ended: none });
  t.is(settled.at(-1)!.message.error, error);
});

test('a call refused before any script runs is traced only when its input passed validation', async (t) => {
  const { started, settled } = traceCalls(t, 'invalid');
  const storage = await open(t, 'invalid');
  // Bad ids and TTLs are refused by the method itself, before the call: not traced.
  await t.throwsAsync(storage.insert('', 'a', {}, 60), { code: 'INVALID_ARGUMENT' });
  await t.throwsAsync(storage.touch('user-1', 'a', 0), { code: 'INVALID_ARGUMENT' });
  t.deepEqual(started, []);
  // Metadata the codec refuses fails inside the call, before sending: traced.
  await t.throwsAsync(storage.insert('user-1', 'a', { f: () => 1 }, 60), { code: 'INVALID_ARGUMENT' });
  t.like(settled.at(-1)!.message, { operation: 'insert', outcome: 'INVALID_ARGUMENT', ended: none });
  await storage.close();
  await t.throwsAsync(storage.read('user-1', 'a'), { code: 'STORAGE_CLOSED' });
  t.is(started.length, 1, 'a closed storage starts no call');
});

// Serial: ava runs serial tests before the others, which subscribe to every operation's channel.
test.serial('without a subscriber no message is built and the call runs as it is', async (t) => {
  const reply = Promise.resolve('reply');
  const seen: unknown[] = [];
  const run = (trace: unknown): Promise<string> => (seen.push(trace), reply);
  t.is(traceOperation('read', 'quiet', 'user-1', run), reply, 'the very promise of the call: nothing wrapped');
  t.deepEqual(seen, [undefined], 'no message given to the call');

  // A subscriber of another operation does not make this one traced.
  const noop = (): void => {};
  const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
  tracingChannel(operationChannels.insert).subscribe(handlers);
  try {
    t.is(traceOperation('read', 'quiet', 'user-1', run), reply);
    const traced = traceOperation('insert', 'quiet', 'user-1', run);
    t.not(traced, reply, 'a subscribed operation is traced');
    t.is(await traced, 'reply');
    t.like(seen, [undefined, undefined, { operation: 'insert', keyPrefix: 'quiet', subject: 'user-1', outcome: 'ok' }]);
  } finally {
    tracingChannel(operationChannels.insert).unsubscribe(handlers);
  }
  t.is(traceOperation('insert', 'quiet', 'user-1', run), reply, 'untraced again once the subscriber left');
  t.is(seen.at(-1), undefined);
});

test('every script has its channel, named after the operation', (t) => {
  t.deepEqual(Object.keys(operationChannels).sort(), Object.keys(luaScripts).sort());
  t.is(operationChannels.readAll, 'user-session-redis-storage:readAll');
});
