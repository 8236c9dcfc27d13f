import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { info } from './redis-info.js';

/**
 * CPU time the client has used so far, µs: the main thread's, read from
 * Linux's schedstat, because that thread runs every operation and caps the
 * client's throughput; GC and I/O helper threads run beside it (they added
 * up to 11 µs per MULTI insert here). Linux updates a running thread's
 * figure at scheduler ticks (a few ms), so a reading can lag by one tick:
 * about 2% of a default case, all of a tiny one. Elsewhere, the whole
 * process's (process.cpuUsage), which counts the helpers too.
 */
export function clientCpuMicros(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    const { user, system } = process.cpuUsage();
    return user + system;
  }
}

/**
 * CPU time the server has used so far, µs (INFO cpu: user + system of the
 * redis-server process). Unlike commandstats it includes reading requests
 * and writing replies, which MULTI/EXEC designs pay per command. On a server
 * shared with other clients it includes their load too.
 */
export async function serverCpuMicros(admin: Redis): Promise<number> {
  const cpu = await info(admin, 'cpu');
  return (Number(cpu.get('used_cpu_user')) + Number(cpu.get('used_cpu_sys'))) * 1e6;
}
