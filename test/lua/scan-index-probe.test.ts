import test from 'ava';
import { afterEvents, storageOnOwnServer } from '../helpers/own-storage.js';

// readAll probes each index entry with GET and deleteAll with DEL (one call
// per session instead of EXISTS plus another): a value removed from outside
// must still be pruned and reported once, live ones returned or ended.
test('readAll and deleteAll prune a vanished value once and handle the live ones', async (t) => {
  const { client, storage } = await storageOnOwnServer<{ v: number }>(t);
  const events: string[] = [];
  storage.on('evicted', (e) => events.push(`evicted ${e.sessionId}`));
  storage.on('deleted', (e) => events.push(`deleted ${e.sessionId}`));

  for (const [n, id] of ['a', 'b', 'c'].entries()) await storage.insert('bob', id, { v: n }, 100);
  await client.del('p:{bob}:s:b');
  t.deepEqual(
    [...(await storage.readAll('bob'))],
    [
      ['a', { v: 0 }],
      ['c', { v: 2 }],
    ].sort(),
  );
  await afterEvents();
  t.deepEqual(events.splice(0), ['evicted b']);
  t.is(await client.zcard('p:{bob}:i'), 2);

  await client.del('p:{bob}:s:c');
  t.is(await storage.deleteAll('bob'), 1);
  await afterEvents();
  t.deepEqual(events.sort(), ['deleted a', 'evicted c']);
  t.is(await client.dbsize(), 0);
});

// 600 sessions: past 128 entries Redis turns the index from a listpack into a
// skiplist (zset-max-listpack-entries).
test('a subject with hundreds of sessions, its index past the listpack size: pruned, read and ended exactly', async (t) => {
  const { client, storage } = await storageOnOwnServer<{ v: number }>(t);
  const evicted: string[] = [];
  let deleted = 0;
  storage.on('evicted', (e) => evicted.push(e.sessionId));
  storage.on('deleted', () => deleted++);

  const total = 600;
  for (let i = 0; i < total; i++) await storage.insert('big', `s${i}`, { v: i }, 100);
  t.is(await client.call('OBJECT', 'ENCODING', 'p:{big}:i'), 'skiplist');
  const gone = ['s0', 's255', 's256', 's511', 's512', 's599']; // removed from outside
  await client.del(...gone.map((id) => `p:{big}:s:${id}`));

  const all = await storage.readAll('big');
  t.is(all.size, total - gone.length);
  for (const [id, meta] of all) t.is(meta.v, Number(id.slice(1)), `${id} comes back with its own value`);
  for (const id of gone) t.false(all.has(id));
  await afterEvents();
  t.deepEqual(evicted.sort(), [...gone].sort(), 'each vanished value reported once');
  t.is(await client.zcard('p:{big}:i'), total - gone.length, 'and pruned');

  await client.del('p:{big}:s:s300');
  t.is(await storage.count('big'), total - gone.length - 1);
  await client.del('p:{big}:s:s301');
  t.is(await storage.deleteAll('big'), total - gone.length - 2);
  await afterEvents();
  t.is(deleted, total - gone.length - 2);
  t.deepEqual(evicted.slice(gone.length).sort(), ['s300', 's301']);
  t.is(await client.dbsize(), 0, 'nothing left');
});
