import test from 'ava';
import { UserSessionStorageError } from '../../src/index.js';
import { afterEvents, storageOnOwnServer } from '../helpers/own-storage.js';

// The outcomes of insert and touch that depend on what was already there.
test('insert: duplicate rejected, orphan value replaced, stale entry pruned and reported', async (t) => {
  const { client, storage } = await storageOnOwnServer<{ v: number }>(t);
  const evicted: string[] = [];
  const expired: string[] = [];
  storage.on('evicted', (e) => evicted.push(e.sessionId));
  storage.on('expired', (e) => expired.push(e.sessionId));

  await storage.insert('alice', 'dup', { v: 1 }, 100);
  const ttl = await client.pttl('p:{alice}:s:dup');
  const error = await t.throwsAsync(storage.insert('alice', 'dup', { v: 2 }, 1000));
  t.is((error as UserSessionStorageError).code, 'SESSION_ALREADY_EXISTS');
  t.deepEqual(await storage.read('alice', 'dup'), { v: 1 });
  t.true((await client.pttl('p:{alice}:s:dup')) <= ttl, 'TTL untouched');

  await client.set('p:{alice}:s:orphan', 'junk');
  await storage.insert('alice', 'orphan', { v: 3 }, 100);
  t.deepEqual(await storage.read('alice', 'orphan'), { v: 3 });

  await client.del('p:{alice}:s:dup');
  await storage.insert('alice', 'dup', { v: 4 }, 100);
  t.deepEqual(await storage.read('alice', 'dup'), { v: 4 });

  // An entry whose recorded expiry has passed, its value gone: "expired", not "evicted".
  await storage.insert('alice', 'old', { v: 5 }, 100);
  await client.zadd('p:{alice}:i', String(Date.now() - 1000), 'old');
  await client.del('p:{alice}:s:old');
  await storage.insert('alice', 'old', { v: 6 }, 100);
  t.deepEqual(await storage.read('alice', 'old'), { v: 6 });

  await afterEvents();
  t.deepEqual(evicted, ['dup'], 'the vanished session is reported once, as evicted');
  t.deepEqual(expired, ['old'], 'the session past its recorded expiry is reported once, as expired');
  t.is(await storage.count('alice'), 3);
});

test('the index TTL only grows, and comes back on an index persisted from outside', async (t) => {
  const { client, storage } = await storageOnOwnServer(t, { indexGraceSeconds: 60 });
  const index = 'p:{bob}:i';

  await storage.insert('bob', 'long', 1, 1000);
  t.true((await client.pttl(index)) > 1_055_000, 'a new index gets longest session + grace');
  const expireAt = async (): Promise<number> => Number(await client.call('PEXPIRETIME', index));
  t.is(await expireAt(), Number(await client.zscore(index, 'long')) + 60_000, 'exactly: the same clock reading as the entry');
  await storage.insert('bob', 'short', 1, 10);
  t.true((await client.pttl(index)) > 1_055_000, 'a shorter session does not shorten it');
  await storage.touch('bob', 'short', 5000);
  t.is(await expireAt(), Number(await client.zscore(index, 'short')) + 60_000, 'a longer touch lengthens it');
  await storage.delete('bob', 'short');
  t.is(await expireAt(), Number(await client.zscore(index, 'long')) + 60_000, 'deleting the longest session moves it back');

  await client.persist(index);
  await storage.insert('bob', 'third', 1, 100);
  t.true((await client.pttl(index)) > 150_000, 'insert gives a persisted index a TTL again');
  await client.persist(index);
  await storage.touch('bob', 'third', 100);
  t.true((await client.pttl(index)) > 150_000, 'so does touch');
});

test('touch: a value without index entry is no session; nothing is written', async (t) => {
  const { client, storage } = await storageOnOwnServer(t);

  await client.set('p:{carol}:s:orphan', 'junk', 'EX', 100);
  t.false(await storage.touch('carol', 'orphan', 1000));
  t.true((await client.pttl('p:{carol}:s:orphan')) <= 100_000, 'its TTL is untouched');
  t.is(await client.exists('p:{carol}:i'), 0, 'no index is created');
});

test('an index key written from outside as another type: insert and touch fail before writing anything', async (t) => {
  const { client, storage } = await storageOnOwnServer(t);

  await client.set('p:{dave}:i', 'not a sorted set');
  const insertError = await t.throwsAsync(storage.insert('dave', 'new', 1, 100));
  t.is((insertError as UserSessionStorageError).code, 'REDIS_ERROR');
  t.is(await client.exists('p:{dave}:s:new'), 0, 'no value was written');

  await client.set('p:{dave}:s:old', 'v', 'EX', 100);
  const touchError = await t.throwsAsync(storage.touch('dave', 'old', 1000));
  t.is((touchError as UserSessionStorageError).code, 'REDIS_ERROR');
  t.true((await client.pttl('p:{dave}:s:old')) <= 100_000, 'the value keeps its TTL');
  t.is(await client.get('p:{dave}:i'), 'not a sorted set');
});
