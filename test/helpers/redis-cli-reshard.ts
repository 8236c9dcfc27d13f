import { spawn } from 'node:child_process';
import type { LocalClusterNode } from '../../scripts/cluster.js';
import { redisCli } from '../../scripts/lib/redis-binary.js';
import { nodeIdOf } from './slot-migration.js';

/** How a `redis-cli --cluster reshard` child process ended. */
export interface ReshardRun {
  exitCode: number | null;
  /** Wall time from spawn to exit. */
  ms: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `redis-cli --cluster reshard` as a child process (so the
 * test's own event loop keeps serving traffic meanwhile) moving `slots`
 * slots from `from` to `to`. `pipeline` is --cluster-pipeline: how many keys
 * each MIGRATE moves; 1 moves a slot one key at a time, which keeps a
 * subject's keys split between two nodes for as long as possible.
 */
export async function reshardWithRedisCli(options: {
  from: LocalClusterNode;
  to: LocalClusterNode;
  slots: number;
  pipeline?: number;
}): Promise<ReshardRun> {
  const { from, to, slots, pipeline = 1 } = options;
  const args = [
    '--cluster',
    'reshard',
    `${from.host}:${from.port}`,
    '--cluster-from',
    await nodeIdOf(from),
    '--cluster-to',
    await nodeIdOf(to),
    '--cluster-slots',
    String(slots),
    '--cluster-yes',
    '--cluster-pipeline',
    String(pipeline),
  ];
  const started = Date.now();
  const child = spawn(redisCli(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // A test that ends early (a timeout) must not leave redis-cli moving slots behind it.
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  process.off('exit', kill);
  return { exitCode, ms: Date.now() - started, stdout, stderr };
}
