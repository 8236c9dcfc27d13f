import test from 'ava';
import { clientCpuMicros, serverCpuMicros } from '../../../scripts/bench/cpu.js';
import { TestRedis } from '../../helpers/redis-server.js';

test('client CPU counts the main thread working, not waiting', async (t) => {
  const before = clientCpuMicros();
  const busyUntil = Date.now() + 50;
  while (Date.now() < busyUntil);
  const busy = clientCpuMicros() - before;
  t.true(busy >= 30_000, `50 ms of spinning counted ${busy} µs`);
  const idleFrom = clientCpuMicros();
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.true(clientCpuMicros() - idleFrom < 25_000, 'a 50 ms sleep is not counted as work');
});

test('server CPU grows with the work the server does', async (t) => {
  const redis = await TestRedis.start();
  t.teardown(() => redis.stop());
  const client = await redis.client();
  const before = await serverCpuMicros(client);
  // About 20 ms of server work: a script that loops.
  await client.eval('local x = 0 for i = 1, 2000000 do x = x + i end return 1', 0);
  const used = (await serverCpuMicros(client)) - before;
  t.true(used > 1_000, `the server used ${used} µs`);
});
