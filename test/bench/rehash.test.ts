import test from 'ava';
import { waitForRehash } from '../../scripts/bench/rehash.js';
import { TestRedis } from '../helpers/redis-server.js';

test('waitForRehash returns once Redis has finished growing its key table', async (t) => {
  const redis = await TestRedis.start(['--enable-debug-command', 'local']);
  t.teardown(() => redis.stop());
  const admin = await redis.client();
  // POPULATE sizes the table for its keys; one more key doubles the full
  // 32,768-bucket table, and the keys then move over step by step.
  await admin.call('DEBUG', 'POPULATE', '32768');
  await admin.set('one-more', '1');
  t.regex(String(await admin.call('DEBUG', 'HTSTATS', '0')), /Hash table 1/, 'a rehash is under way');
  t.true(await waitForRehash(admin, 10));
  t.notRegex(String(await admin.call('DEBUG', 'HTSTATS', '0')), /Hash table 1/, 'one table left');
});

test('without DEBUG it waits blind and says so', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const started = Date.now();
  t.false(await waitForRehash(await redis.client(), 50));
  t.true(Date.now() - started >= 45);
});
