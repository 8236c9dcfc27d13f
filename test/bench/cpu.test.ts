import test from 'ava';
import { clientCpuMicros, serverCpuMicros } from '../../scripts/bench/cpu.js';
import { TestRedis } from '../helpers/redis-server.js';

test('client CPU counts the main thread working, not waiting', async (t) => {
  const before = clientCpuMicros();
  // 50 ms of CPU, however long that takes on a busy machine (the process's
  // figure, which a spinning main thread dominates).
  const start = process.cpuUsage();
  const used = (): number => {
    const { user, system } = process.cpuUsage(start);
    return user + system;
  };
  while (used() < 50_000);
  const busy = clientCpuMicros() - before;
  // The main thread's figure can lag by a scheduler tick (cpu.ts).
  t.true(busy >= 35_000, `50 ms of spinning counted ${busy} µs`);
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
