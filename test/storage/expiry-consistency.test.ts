import test from 'ava';
import { UserSessionRedisStorage } from '../../src/index.js';
import { KeySchema } from '../../src/keys/key-schema.js';
import { serverTimeMs } from '../../src/invariant/server-time.js';
import { TestRedis } from '../helpers/redis-server.js';

/**
 * The index entry's recorded expiry must be the instant the value expires:
 * pruning decides 'expired' vs 'evicted' by it, and the index TTL is sized
 * from it. Redis 7.0 computes `SET PX`/`PEXPIRE` from the clock at that
 * command, not at the script's start, so a long-running script (a limit
 * check over a big index, or a preempted server) used to leave the value
 * outliving its recorded expiry by the script's run time.
 */
test('a session value expires exactly when its index entry says, even after a long insert or touch script', async (t) => {
  const server = await TestRedis.start();
  t.teardown(() => server.stop());
  const admin = await server.client();
  const plain = await UserSessionRedisStorage.create({ client: await server.client(), keyspaceEvents: 'off', concurrentSessions: 20_000 });
  const limited = await UserSessionRedisStorage.create({
    client: await server.client(),
    keyspaceEvents: 'off',
    concurrentSessions: 10_000,
    onLimit: 'evict-oldest',
  });
  t.teardown(() => Promise.all([plain.close(), limited.close()]));
  for (let i = 0; i < 10_000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => plain.insert('big', `s${i + j}`, 1, 600)));
  const keys = new KeySchema('sess');
  const drift = async (id: string): Promise<number> => {
    const [sec, usec, pttl, recorded] = (await admin.eval(
      "local t = redis.call('TIME') return { t[1], t[2], redis.call('PTTL', KEYS[1]), redis.call('ZSCORE', KEYS[2], ARGV[1]) }",
      2,
      keys.valueKey('big', id),
      keys.indexKey('big'),
      id,
    )) as [string, string, number, string];
    return serverTimeMs([sec, usec]) + pttl - Number(recorded);
  };
  await limited.insert('big', 'last', 1, 600); // at the limit: looks at 10k values between reading the clock and writing the value
  t.true(Math.abs(await drift('last')) <= 1, `value outlives its recorded expiry by ${await drift('last')} ms`);
  t.true(await limited.touch('big', 'last', 900));
  t.true(Math.abs(await drift('last')) <= 1);
});
