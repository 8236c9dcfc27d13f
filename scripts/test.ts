/**
 * `npm test`'s runner: starts one local Redis Cluster for the whole run,
 * hands its nodes to ava's test files through SHARED_CLUSTER_ENV, runs ava
 * (with this script's arguments), and stops the cluster afterwards, also
 * when ava fails or the run is interrupted. ava runs each test file in a
 * process of its own and has no global setup, hence this wrapper. The files
 * that leave the cluster as they found it use it (ClusterBackend.shared in
 * test/helpers/cluster-backend.ts); those that kill nodes, fail over, move
 * slots or change settings start their own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SHARED_CLUSTER_ENV, startLocalCluster } from './cluster.js';
import { redisServerVersion } from './lib/redis-binary.js';

/** ava's command line, as `npx ava` runs it (ava's exports hide its package.json and its bin). */
const avaCli = fileURLToPath(new URL('../node_modules/ava/entrypoints/cli.mjs', import.meta.url));

async function main(): Promise<number> {
  // The server binary under test (REDIS_SERVER_BIN, else PATH's), so that a run's log says what it tested.
  console.error(`redis-server: ${redisServerVersion()}`);
  // Its redis-server processes are this process's children: killed on exit
  // even if this process dies before stop() (LocalClusterNode.start).
  const cluster = await startLocalCluster();
  for (const node of cluster.nodes) node.disconnect();
  try {
    const ava = spawn(process.execPath, [avaCli, ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, [SHARED_CLUSTER_ENV]: JSON.stringify(cluster.startupNodes) },
    });
    // A Ctrl-C reaches ava too (same process group): wait for it to finish its cleanup, then stop the cluster.
    const forward = (signal: NodeJS.Signals): void => void ava.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => {
      ava.once('error', () => resolve(1));
      ava.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
