import anyTest, { type TestFn } from 'ava';
import calculateSlot from 'cluster-key-slot';
import { UserSessionRedisStorage } from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { metaOf, startModelTraffic, type ModelMeta } from '../helpers/model-traffic.js';
import { reshardWithRedisCli } from '../helpers/redis-cli-reshard.js';
import { slotsOf } from '../helpers/slot-migration.js';
import { waitFor } from '../helpers/wait.js';
import { afterEvents } from '../helpers/own-storage.js';
import { record } from '../storage/behaviour-suite.js';

const test = anyTest as TestFn<{ backend: ClusterBackend }>;

/** Enough subjects that about a third of them (the emptied master's share of slots) are moved under traffic. */
const SUBJECTS = 40;
/**
 * 'evict-oldest', not 'reject': every insert then succeeds and the subject's
 * index keeps being rewritten, and at the limit each insert also deletes
 * another session's value key in the same script, the write a slot
 * migration must not tear. 'reject' would leave the model's subjects
 * mostly refusing inserts, with fewer writes under way when a slot moves.
 */
const LIMIT = 3;
const TTL_SECONDS = 3600;
const PREFIX = 'reshard';

test.before(async (t) => {
  t.context.backend = await ClusterBackend.start();
});
test.after.always(async (t) => {
  await t.context.backend?.stop();
});

test('redis-cli --cluster reshard of every slot of one master, one key at a time, under readAll/count/insert/delete traffic: no call fails or answers wrong, no session ends', async (t) => {
  const { backend } = t.context;
  const keys = new KeySchema(PREFIX);
  const storage = await UserSessionRedisStorage.create<ModelMeta>({
    client: await backend.clusterClient(),
    keyPrefix: PREFIX,
    concurrentSessions: LIMIT,
    onLimit: 'evict-oldest',
  });
  t.teardown(() => storage.close());
  const events = record(storage);
  const [from, to] = (await backend.cluster.masters()).sort((a, b) => a.port - b.port);
  const slots = await slotsOf(from!);

  const traffic = startModelTraffic(storage, { subjects: SUBJECTS, limit: LIMIT, ttlSeconds: TTL_SECONDS });
  const moved = traffic.models.filter((m) => slots.includes(calculateSlot(keys.indexKey(m.subject))));
  let reshard;
  let callsDuring;
  try {
    await waitFor('every subject to have sessions', () => traffic.models.every((m) => m.live.length > 0) || traffic.failures.length > 0);
    const before = traffic.total();
    reshard = await reshardWithRedisCli({ from: from!, to: to!, slots: slots.length, pipeline: 1 });
    callsDuring = traffic.total() - before;
  } finally {
    await traffic.stop();
  }
  t.log(
    `redis-cli moved ${slots.length} slots (${moved.length} of ${SUBJECTS} subjects) in ${reshard.ms} ms, ` +
      `exit code ${reshard.exitCode}; ${callsDuring} calls answered meanwhile; in all ${JSON.stringify(traffic.calls)}`,
  );
  t.deepEqual(traffic.failures, [], 'no call was rejected or answered wrongly while slots moved');
  t.is(reshard.exitCode, 0, `redis-cli failed: ${reshard.stderr.slice(-2000)}`);
  // Redis 7 turns a master that lost its last slot into a replica of the node that took it
  // (cluster-allow-replica-migration), so it then holds a copy of that node's keys: check its slots only.
  t.deepEqual(await slotsOf(from!), [], 'the master was emptied of slots');
  t.true(moved.length > 0, 'some subjects lived on the emptied master');

  // Every subject whose model is still exact (all of them, unless a call failed) is checked in full.
  const exact = traffic.models.filter((m) => !m.tainted);
  const wrong: string[] = [];
  for (const { subject, live } of exact) {
    const all = [...(await storage.readAll(subject))].map(([id, meta]) => `${id}=${meta.n}`).sort();
    const want = live.map((id) => `${id}=${metaOf(id).n}`).sort();
    if (all.join() !== want.join()) wrong.push(`${subject} readAll: [${all.join(', ')}], expected [${want.join(', ')}]`);
    const count = await storage.count(subject);
    if (count !== live.length) wrong.push(`${subject} count: ${count}, expected ${live.length}`);
    for (const id of live) {
      const meta = await storage.read(subject, id);
      if (meta?.n !== metaOf(id).n) wrong.push(`${subject}/${id} read: ${JSON.stringify(meta)}`);
    }
  }
  t.deepEqual(wrong, [], 'afterwards every session of the model is readable, readAll and count are exact');

  // Nothing half-written: exactly an index and a value per live session, no orphan value, no empty index.
  const expectedKeys = exact.flatMap(({ subject, live }) =>
    live.length > 0 ? [keys.indexKey(subject), ...live.map((id) => keys.valueKey(subject, id))] : [],
  );
  const exactSubjects = new Set(exact.map((m) => m.subject));
  const foundKeys = (await backend.keys(`${PREFIX}:*`)).filter((key) => {
    const subject = keys.parseValueKey(key)?.subject ?? keys.parseIndexKey(key)?.subject;
    return subject !== undefined && exactSubjects.has(subject);
  });
  t.deepEqual(foundKeys.sort(), expectedKeys.sort(), 'exactly the keys of the live sessions are left');

  await afterEvents();
  t.deepEqual(events.of('expired'), [], 'no session expired');
  t.deepEqual(events.of('evicted'), [], 'no session was reported evicted');
  const deleted = events.of('deleted').filter((e) => exactSubjects.has(e.slice(0, e.lastIndexOf('/'))));
  const ended = exact.flatMap(({ subject, ended }) => ended.map((id) => `${subject}/${id}`));
  t.deepEqual(deleted.sort(), ended.sort(), "'deleted' exactly once for each session that delete, deleteAll or evict-oldest ended");
});
