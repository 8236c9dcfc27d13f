import test from 'ava';
import { Dataset } from '../../scripts/bench/dataset.js';
import { operation, type OperationName } from '../../scripts/bench/operations.js';
import { libraryStore } from '../../scripts/bench/stores/library-store.js';
import type { SessionStore } from '../../scripts/bench/stores/session-store.js';
import { TestRedis } from '../helpers/redis-server.js';

// The bench's verification must catch a store that is fast but wrong: each
// operation's check is run against the real storage (passes) and against the
// same storage with one answer falsified (must fail).
const data = new Dataset(3, 0);

const lies: Partial<Record<OperationName, Partial<SessionStore>>> = {
  read: { read: async () => data.metadata(999) },
  readAll: { readAll: async () => new Map([[data.sessionId(0), data.metadata(0)]]) },
  count: { count: async () => 2 },
  touch: { touch: async () => false },
  update: { update: async () => false },
  delete: { delete: async () => false },
  deleteAll: { deleteAll: async () => 1 },
};

test('each operation accepts the true answer and rejects a wrong one', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const client = await redis.client();
  for (const [name, lie] of Object.entries(lies) as [OperationName, Partial<SessionStore>][]) {
    await client.flushall();
    const store = await libraryStore(client, `v${name}`, data);
    const op = operation(name, data, 6, 2);
    for (let i = 0; i < op.prepareSessions; i++) await store.insert(i);
    t.is(await op.run(store, 0), true, `${name}: the storage's own answer passes`);
    const verdict = await op.run({ ...store, ...lie }, 1);
    t.is(typeof verdict, 'string', `${name}: a wrong answer is reported`);
    await store.close();
  }
});

test("update's end check sees metadata that was not replaced", async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const store = await libraryStore(await redis.client(), 'u', data);
  t.teardown(() => store.close());
  const op = operation('update', data, 2, 1);
  for (let i = 0; i < op.prepareSessions; i++) await store.insert(i);
  t.regex(String(await op.finalCheck!(store)), /after update/);
  for (let i = 0; i < 2; i++) t.is(await op.run(store, i), true);
  t.is(await op.finalCheck!(store), true);
});

test('Dataset.matches tells a session from another and a version from the next', (t) => {
  t.true(data.matches(data.metadata(5), 5));
  t.false(data.matches(data.metadata(5), 6));
  t.false(data.matches(data.metadata(5, 1), 5));
  t.false(data.matches(undefined, 5));
  t.is(data.subjectOf(4), data.subject(1));
  t.deepEqual(
    data.sessionIdsOf(1),
    [3, 4, 5].map((i) => data.sessionId(i)),
  );
});

test('the read side cycles over the working set; mixed traffic over a small one still knows every answer', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const store = await libraryStore(await redis.client(), 'm', data);
  t.teardown(() => store.close());
  t.is(operation('read', data, 1000, 2).prepareSessions, 6, '2 subjects of 3 sessions, however many reads');
  // 400 operations over 2 subjects: 20 deletes, more than the 6 sessions read and touched.
  const op = operation('mixed', data, 400, 2);
  for (let i = 0; i < op.prepareSessions; i++) await store.insert(i);
  const verdicts = [];
  for (let i = 0; i < 400; i++) verdicts.push(await op.run(store, i));
  t.deepEqual(
    verdicts.filter((v) => v !== true),
    [],
  );
  t.is(op.prepareSessions, 6 + 20);
});
