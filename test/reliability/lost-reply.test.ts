import test, { type ExecutionContext } from 'ava';
import { Redis, type RedisOptions } from 'ioredis';
import { ErrorCode, UserSessionRedisStorage, UserSessionStorageError, type UserSessionStorageOptions } from '../../src/index.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { afterEvents } from '../helpers/own-storage.js';
import { TestRedis } from '../helpers/redis-server.js';
import { record } from '../storage/behaviour-suite.js';
import { sleep, waitFor } from '../helpers/wait.js';

type Meta = Record<string, unknown>;

/**
 * A storage behind a fault-injecting proxy (as an application server whose
 * network fails), on a caller's client with ioredis's defaults unless
 * `clientOptions` say otherwise; and a second storage straight on the
 * server (another application server) to log users in and look.
 */
async function setup(t: ExecutionContext, clientOptions: RedisOptions = {}, options: Partial<UserSessionStorageOptions<Meta>> = {}) {
  const server = await TestRedis.start();
  t.teardown(() => server.stop());
  const proxy = await FaultProxy.start({ host: server.host, port: server.port });
  t.teardown(() => proxy.stop());
  const client = new Redis({ host: '127.0.0.1', port: proxy.port, lazyConnect: true, ...clientOptions });
  client.on('error', () => {});
  t.teardown(() => client.disconnect());
  await client.connect();
  const storageOptions = { keyPrefix: 'lr', keyspaceEvents: 'off', ...options } as const;
  const storage = await UserSessionRedisStorage.create<Meta>({ client, ...storageOptions });
  t.teardown(() => storage.close());
  const elsewhere = await UserSessionRedisStorage.create<Meta>({ client: await server.client(), ...storageOptions });
  t.teardown(() => elsewhere.close());
  return { proxy, admin: await server.client(), storage, elsewhere, events: record(storage) };
}

/** How many EVALSHA the server has run: each operation is one. */
async function evalshaCalls(admin: Redis): Promise<number> {
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
}

const isEvalsha = (request: string[]): boolean => request[0]?.toLowerCase() === 'evalsha';

/** The outcome of a call, once it settles, without waiting for it. */
function watch<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const outcome: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(outcome, { settled: true, value }),
    (error: unknown) => Object.assign(outcome, { settled: true, error }),
  );
  return outcome;
}

/** Polls (bounded) until the call has settled; whether it did is for the test to assert. */
async function settledWithin(outcome: { settled: boolean }, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; !outcome.settled && Date.now() < deadline;) await sleep(25);
  return outcome.settled;
}

function describe(outcome: { settled: boolean; value?: unknown; error?: unknown }): string {
  if (!outcome.settled) return 'did not settle';
  return 'value' in outcome ? `answered ${JSON.stringify(outcome.value)}` : `failed: ${String(outcome.error)}`;
}

function assertOutcomeUnknown(t: ExecutionContext, error: unknown): void {
  t.true(error instanceof UserSessionStorageError, `a UserSessionStorageError, not ${String(error)}`);
  t.is((error as UserSessionStorageError).code, ErrorCode.REDIS_ERROR);
  t.regex((error as Error).message, /may or may not have happened/);
  t.regex((error as Error).message, /read, readAll or count/);
}

/**
 * Redis runs the call, its reply is lost with the connection. The call must
 * say so (REDIS_ERROR, outcome unknown), never answer from a second run;
 * and the storage must not run it again after reconnecting.
 */
async function lostReply(
  t: ExecutionContext,
  storage: UserSessionRedisStorage<Meta>,
  admin: Redis,
  proxy: FaultProxy,
  call: () => Promise<unknown>,
  after: () => Promise<unknown>,
): Promise<void> {
  const before = await evalshaCalls(admin);
  const dropped = proxy.dropReplyTo(isEvalsha);
  const outcome = watch(call());
  await dropped;
  const settled = await settledWithin(outcome, 5000);
  // The next call goes over the reconnected connection: whatever ioredis re-sends on reconnecting runs before it.
  await after();
  const ran = (await evalshaCalls(admin)) - before - 1;
  t.log(`the call ${describe(outcome)}, and ran ${ran} time(s)`);
  t.true(settled, 'the call settles once its connection is gone');
  t.false('value' in outcome, 'no answer from a second run');
  assertOutcomeUnknown(t, outcome.error);
  t.is(ran, 1, 'the lost call ran exactly once');
}

test('a lost reply to insert with evict-oldest at the limit: REDIS_ERROR (outcome unknown), it ran once, its eviction is not reported', async (t) => {
  const { proxy, admin, storage, elsewhere, events } = await setup(t, {}, { concurrentSessions: 2, onLimit: 'evict-oldest' });
  await storage.insert('ann', 'a', { n: 1 }, 100);
  await storage.insert('ann', 'b', { n: 2 }, 200);

  await lostReply(
    t,
    storage,
    admin,
    proxy,
    () => storage.insert('ann', 'c', { n: 3 }, 300),
    () => storage.count('ann'),
  );

  t.deepEqual([...(await elsewhere.readAll('ann')).keys()].sort(), ['b', 'c'], 'c was inserted and a, which expired first, evicted');
  await afterEvents();
  t.deepEqual(events.events, [], "a call whose reply was lost reports nothing: a's end is not reported by anyone");
});

test('a lost reply to deleteAll: REDIS_ERROR (outcome unknown), never 0; it ran once and reports nothing', async (t) => {
  const { proxy, admin, storage, elsewhere, events } = await setup(t);
  await storage.insert('bob', 'laptop', {}, 100);
  await storage.insert('bob', 'phone', {}, 100);

  await lostReply(
    t,
    storage,
    admin,
    proxy,
    () => storage.deleteAll('bob'),
    () => storage.count('bob'),
  );

  t.is(await elsewhere.count('bob'), 0, 'both sessions ended');
  await afterEvents();
  t.deepEqual(events.events, []);
});

test('a lost reply to delete: REDIS_ERROR (outcome unknown), never false; it ran once', async (t) => {
  const { proxy, admin, storage, elsewhere, events } = await setup(t);
  await storage.insert('cid', 'laptop', {}, 100);

  await lostReply(
    t,
    storage,
    admin,
    proxy,
    () => storage.delete('cid', 'laptop'),
    () => storage.count('cid'),
  );

  t.is(await elsewhere.read('cid', 'laptop'), undefined, 'the session ended');
  await afterEvents();
  t.deepEqual(events.events, []);
});

/**
 * Issue 11's partition: "log out everywhere" fails during a partition; the
 * caller reads (the sessions are still there), the user logs out and logs in
 * on a phone through another server; the network heals. The failed
 * deleteAll must never run: the phone session survives.
 */
/** Calls `call` again while it fails as "not sent" (it did not happen), up to 20 times. */
async function untilSent<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt === 20 || !(error instanceof UserSessionStorageError) || !/was not sent/.test(error.message)) throw error;
    }
  }
}

async function partitionScenario(
  t: ExecutionContext,
  clientOptions: RedisOptions,
  fail: (proxy: FaultProxy) => void | Promise<void>,
  expected: RegExp,
): Promise<void> {
  const { proxy, storage, elsewhere, events } = await setup(t, clientOptions);
  await storage.insert('dan', 'laptop', {}, 600);
  await storage.insert('dan', 'tablet', {}, 600);

  await fail(proxy);
  const logoutEverywhere = watch(storage.deleteAll('dan'));
  const failed = await settledWithin(logoutEverywhere, 5000);
  const stillThere = [...(await elsewhere.readAll('dan')).keys()].sort();
  const loggedOut = await elsewhere.delete('dan', 'laptop');
  await elsewhere.insert('dan', 'phone', {}, 600);

  proxy.heal();
  // Over the healed network: anything re-sent on reconnecting runs before this. The connection may still be
  // reconnecting (ioredis's backoff) when the count is sent, and it may time out unsent then: sent again.
  const count = await untilSent(() => storage.count('dan'));
  const left = [...(await elsewhere.readAll('dan')).keys()].sort();
  t.log(`deleteAll during the partition: ${describe(logoutEverywhere)}; sessions after the heal: ${left.join(', ')}`);

  t.true(failed, 'deleteAll fails during the partition');
  t.false('value' in logoutEverywhere, 'no answer');
  t.is((logoutEverywhere.error as UserSessionStorageError).code, ErrorCode.REDIS_ERROR);
  t.regex((logoutEverywhere.error as Error).message, expected);
  t.deepEqual(stillThere, ['laptop', 'tablet'], 'read before retrying: the sessions are still there');
  t.true(loggedOut, 'the user logs out, and logs in on a phone');
  t.deepEqual(left, ['phone', 'tablet'], 'the failed deleteAll never ran: the phone session survives');
  t.is(count, 2);
  await afterEvents();
  t.deepEqual(
    events.events.filter((e) => e.reason === 'deleted'),
    [],
  );
}

test('partition with ioredis defaults: the connection breaks, deleteAll rejects (outcome unknown) and never runs after the heal', async (t) => {
  await partitionScenario(
    t,
    {},
    (proxy) => {
      proxy.partition();
      // Nothing answers; without a commandTimeout the call fails when the connection
      // does (TCP's retransmission timeout, keepalive): the network breaks it.
      setTimeout(() => proxy.cut(), 300);
    },
    /may or may not have happened/,
  );
});

test('partition with commandTimeout: deleteAll times out (outcome unknown) and never runs after the heal, though the connection survived', async (t) => {
  await partitionScenario(t, { commandTimeout: 500 }, (proxy) => proxy.partition(), /may or may not have happened/);
});

test('partition with commandTimeout while reconnecting: deleteAll times out unsent and is never sent after the heal', async (t) => {
  await partitionScenario(
    t,
    { commandTimeout: 500 },
    async (proxy) => {
      proxy.partition();
      // The connections are gone and cannot be replaced during the partition: calls wait unsent.
      const [open, accepted] = [proxy.connections, proxy.accepted];
      proxy.cut();
      await waitFor('the clients to try reconnecting, twice each', () => proxy.accepted >= accepted + 2 * open);
    },
    /was not sent/,
  );
});
