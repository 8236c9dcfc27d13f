/**
 * A real Redis Cluster on loopback: 3 masters and 3 replicas from the system
 * `redis-server` (or REDIS_SERVER_BIN's), built with `redis-cli` (or
 * REDIS_CLI_BIN's), on free ports, with their nodes.conf files in a temp dir.
 *
 *   npm run cluster -- start   # prints the node addresses, leaves the cluster running
 *   npm run cluster -- stop    # stops the cluster started by `start` and removes its temp dir
 *
 * Tests import startLocalCluster() instead: the cluster then belongs to the
 * test process, and stop() ends it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { redisCli, systemRedisServer } from './lib/redis-binary.js';

const HOST = '127.0.0.1';
/** Redis Cluster's bus listens on port + 10000, so a node's port must leave room for it. */
const BUS_OFFSET = 10_000;
const NODE_COUNT = 6;
/** Where `npm run cluster -- start` records the cluster for `stop`. */
const STATE_FILE = join(tmpdir(), 'user-session-redis-storage-cluster.json');

export interface LocalClusterOptions {
  /**
   * cluster-node-timeout in ms: how long a master may be unreachable before
   * its replica is promoted. Short here so that failover tests stay fast.
   */
  nodeTimeoutMs?: number;
  /** Child processes detached from this process, so the cluster outlives it (the CLI). */
  detached?: boolean;
}

export class LocalClusterNode {
  private child: ChildProcess | undefined;
  private admin: Redis | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly args: readonly string[],
    private readonly detached: boolean,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts redis-server and resolves once it answers PING. The nodes.conf in the dir lets a restarted node rejoin. */
  async start(): Promise<void> {
    const child = spawn(systemRedisServer() ?? 'redis-server', this.args, { stdio: 'ignore', detached: this.detached });
    this.child = child;
    if (this.detached) child.unref();
    // A test process that ends without stop() (a timeout, a crash) must not leave servers behind.
    else process.once('exit', () => child.kill('SIGKILL'));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server on port ${this.port} exited with code ${code}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitUntil(`redis-server on port ${this.port}`, () => this.ping(), 10_000), exited]);
  }

  /** Closes the kept command connection (the node keeps running). */
  disconnect(): void {
    this.admin?.disconnect();
    this.admin = undefined;
  }

  /** SIGKILL, as a crash would: no shutdown save, no goodbye to the other nodes. */
  async kill(): Promise<void> {
    this.disconnect();
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * Makes this replica take over from its master with CLUSTER FAILOVER, the
   * safe manual kind (the master stops writes until the replica has caught
   * up). Redis abandons one that cannot finish within 5 s, so retry.
   */
  async failover(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.role()) !== 'master') {
      if (Date.now() > deadline) throw new Error(`CLUSTER FAILOVER of ${this.port} did not finish`);
      await this.command('CLUSTER', 'FAILOVER');
      await waitUntil(`${this.port} to become master`, async () => (await this.role()) === 'master', 7000).catch(() => {});
    }
  }

  /** A short-lived connection to this node only (not cluster-aware). */
  connect(): Redis {
    const redis = new Redis({ host: this.host, port: this.port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on('error', () => {});
    return redis;
  }

  /** One command on this node, over a connection kept until the node is killed or the cluster stopped. */
  async command<T = unknown>(...args: [string, ...(string | number)[]]): Promise<T> {
    if (!this.admin || this.admin.status === 'end') {
      this.admin = this.connect();
      await this.admin.connect().catch(() => {});
    }
    return (await this.admin.call(...args)) as T;
  }

  async info(section: string): Promise<Record<string, string>> {
    const text = await this.command<string>(section === 'cluster' ? 'CLUSTER' : 'INFO', ...(section === 'cluster' ? ['INFO'] : [section]));
    return Object.fromEntries(
      text
        .split('\r\n')
        .filter((line) => line.includes(':'))
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
    );
  }

  async role(): Promise<'master' | 'slave'> {
    return (await this.info('replication')).role as 'master' | 'slave';
  }

  private async ping(): Promise<boolean> {
    try {
      return (await this.command('PING')) === 'PONG';
    } catch {
      return false;
    }
  }
}

export interface LocalCluster {
  /** Every node started, in start order; addMaster() appends. */
  readonly nodes: readonly LocalClusterNode[];
  /** The temp dir holding every node's nodes.conf and log. */
  readonly dir: string;
  /** Startup nodes for `new Cluster(...)`. */
  readonly startupNodes: { host: string; port: number }[];
  /** The nodes that are masters now (roles change with failovers). */
  masters(): Promise<LocalClusterNode[]>;
  /** Resolves once every node reports cluster_state:ok, knows every other node, and every replica's link is up. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Starts one more node, adds it as a master and moves `slots` hash slots
   * (with their keys) to it from the other masters: a resharding.
   */
  addMaster(slots: number): Promise<LocalClusterNode>;
  /** Kills every node and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts the node `make` builds on a free port, recorded in `started` (for
 * cleanup, and so no two nodes pick one port). A port free when checked may
 * be taken before redis-server binds it (other test files start servers at
 * the same time): up to five ports are tried.
 */
export async function startOnFreePort(started: LocalClusterNode[], make: (port: number) => LocalClusterNode): Promise<LocalClusterNode> {
  for (let attempt = 1; ; attempt++) {
    const [port] = await freePorts(
      1,
      started.map((n) => n.port),
    );
    const node = make(port!);
    started.push(node);
    try {
      await node.start();
      return node;
    } catch (error) {
      started.splice(started.indexOf(node), 1);
      await node.kill();
      if (attempt === 5) throw error;
    }
  }
}

/** Starts 3 masters and 3 replicas on free loopback ports and waits for cluster_state:ok on every node. */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'usrs-cluster-'));
  const nodes: LocalClusterNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const startNode = (): Promise<LocalClusterNode> =>
      startOnFreePort(
        nodes,
        (port) => new LocalClusterNode(HOST, port, nodeArgs(dir, port, options.nodeTimeoutMs ?? 2000), options.detached ?? false),
      );
    // Every start settled before a failure is thrown: stop() must not miss a node still starting.
    const starts = await Promise.allSettled(Array.from({ length: NODE_COUNT }, () => startNode()));
    const failed = starts.find((start) => start.status === 'rejected');
    if (failed) throw failed.reason;
    runRedisCli('--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '1', '--cluster-yes');
    const cluster: LocalCluster = {
      nodes,
      dir,
      startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
      ...clusterView(nodes),
      async addMaster(slots: number) {
        const node = await startNode();
        const existing = `${nodes[0]!.host}:${nodes[0]!.port}`;
        runRedisCli('--cluster', 'add-node', `${node.host}:${node.port}`, existing);
        await cluster.waitUntilHealthy();
        const id = await node.command<string>('CLUSTER', 'MYID');
        runRedisCli('--cluster', 'reshard', existing, '--cluster-from', 'all', '--cluster-to', id, '--cluster-slots', String(slots), '--cluster-yes');
        await cluster.waitUntilHealthy();
        return node;
      },
      stop,
    };
    await cluster.waitUntilHealthy();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The environment variable through which `npm test` (scripts/test.ts) hands
 * its one shared cluster to the test files: a JSON array of its startup nodes.
 */
export const SHARED_CLUSTER_ENV = 'USER_SESSION_TEST_CLUSTER';

/**
 * A LocalCluster started by another process (`npm test`'s shared one): its
 * nodes are reached, never started, killed or added to, and stop() only
 * closes this process's connections to them.
 */
export function attachLocalCluster(startupNodes: readonly { host: string; port: number }[]): LocalCluster {
  const nodes = startupNodes.map((n) => new LocalClusterNode(n.host, n.port, [], false));
  return {
    nodes,
    dir: '',
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    ...clusterView(nodes),
    addMaster() {
      return Promise.reject(new Error('a shared cluster is never resharded: start a cluster of your own'));
    },
    async stop() {
      for (const node of nodes) node.disconnect();
    },
  };
}

/** What a LocalCluster asks of its nodes (the array may grow: addMaster appends). */
function clusterView(nodes: readonly LocalClusterNode[]): Pick<LocalCluster, 'masters' | 'waitUntilHealthy'> {
  return {
    async masters() {
      const roles = await Promise.all(nodes.map((n) => n.role().catch(() => undefined)));
      return nodes.filter((_, i) => roles[i] === 'master');
    },
    async waitUntilHealthy(timeoutMs = 30_000) {
      await waitUntil('cluster_state:ok, every node known and every replica in sync', () => healthy(nodes), timeoutMs);
    },
  };
}

function nodeArgs(dir: string, port: number, nodeTimeoutMs: number): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--dir',
    dir,
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
    // A replica whose master is killed must take over even if it lost contact a while ago.
    '--cluster-replica-validity-factor',
    '0',
    // Replicas sync at once instead of waiting 5 s for more replicas to share a diskless transfer.
    '--repl-diskless-sync-delay',
    '0',
    '--save',
    '',
    '--appendonly',
    'no',
    '--logfile',
    `redis-${port}.log`,
  ];
}

function runRedisCli(...args: string[]): void {
  const run = spawnSync(redisCli(), args, { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`redis-cli ${args.slice(0, 2).join(' ')} failed: ${run.stderr || run.stdout}`);
}

async function healthy(nodes: readonly LocalClusterNode[]): Promise<boolean> {
  try {
    const infos = await Promise.all(nodes.map((n) => n.info('cluster')));
    const replication = await Promise.all(nodes.map((n) => n.info('replication')));
    return (
      infos.every((i) => i.cluster_state === 'ok' && i.cluster_known_nodes === String(nodes.length)) &&
      replication.filter((r) => r.role === 'slave').every((r) => r.master_link_status === 'up')
    );
  } catch {
    return false;
  }
}

/** Free loopback ports whose cluster bus port (port + 10000) is free too. Never 6379. Also the Sentinel tests' ports. */
export async function freePorts(count: number, taken: readonly number[] = []): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await ephemeralPort();
    if (ports.includes(port) || taken.includes(port)) continue;
    if (await isFree(port + BUS_OFFSET)) ports.push(port);
  }
  return ports;
}

/** A random port in 20000..54999 that is free now (binding it succeeds); its bus port fits under 65536. */
async function ephemeralPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 35_000);
    if (await isFree(port)) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cli(command: string | undefined): Promise<void> {
  if (command === 'start') {
    const cluster = await startLocalCluster({ detached: true });
    for (const node of cluster.nodes) node.disconnect();
    const state = { dir: cluster.dir, pids: cluster.nodes.map((n) => n.pid), nodes: cluster.startupNodes, server: serverName() };
    writeFileSync(STATE_FILE, JSON.stringify(state));
    console.log(`Redis Cluster running (3 masters, 3 replicas): ${cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(' ')}`);
    console.log('Stop it with: npm run cluster -- stop');
  } else if (command === 'stop') {
    let state: { dir: string; pids: number[]; server?: string };
    try {
      state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as typeof state;
    } catch {
      console.log('No cluster started by `npm run cluster -- start` is running.');
      return;
    }
    for (const pid of state.pids) {
      // Only our own redis-server: the pid may have been reused since `start`.
      if (isRedisServer(pid, state.server ?? 'redis-server')) process.kill(pid, 'SIGKILL');
    }
    rmSync(state.dir, { recursive: true, force: true });
    rmSync(STATE_FILE, { force: true });
    console.log('Redis Cluster stopped.');
  } else {
    console.error('usage: npm run cluster -- start|stop');
    process.exitCode = 2;
  }
}

/** The file name of the server binary started (REDIS_SERVER_BIN may name a valkey-server): it titles its processes. */
function serverName(): string {
  return basename(systemRedisServer() ?? 'redis-server');
}

function isRedisServer(pid: number, server: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(server);
  } catch {
    return false;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  cli(process.argv[2]).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
