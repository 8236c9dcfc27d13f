import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestRedis } from '../helpers/redis-server.js';

test('the README quick start runs and prints what it promises', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const { stdout } = await promisify(execFile)(process.execPath, ['--import=tsx', 'examples/quick-start.ts'], {
    env: { ...process.env, REDIS_URL: redis.url },
  });
  t.regex(stdout, /refused: TOO_MANY_CONCURRENT_SESSIONS/);
  t.regex(stdout, /laptop: \{[^}]*ip: '203\.0\.113\.7'/);
  t.regex(stdout, /expired: user:42\/phone/);
  t.regex(stdout, /devices: \[ 'laptop' \]/);
  t.regex(stdout, /ended: 1/);
  t.regex(stdout, /deleted: user:42\/laptop/);
  const client = await redis.client();
  t.deepEqual(await client.keys('quick-start:*'), [], 'nothing left behind');
});
