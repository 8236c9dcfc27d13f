import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { LocalClusterNode, startOnFreePort } from '../../scripts/cluster.js';
import type { Backend, StorageClient } from './backend.js';
import { allKeys } from './scan.js';
import { waitFor } from './wait.js';

const HOST = '127.0.0.1';
/** The name the sentinels monitor the master under, and the `name` of every Sentinel client. */
export const MASTER_NAME = 'mymaster';
const SENTINELS = 3;

/**
 * How quickly the sentinels act. down-after-milliseconds is not as low as
 * it could be: on a busy 2-core machine a sentinel must not take a slow
 * PING for a crash and fail over in the middle of the behaviour suite.
 * A manual SENTINEL FAILOVER does not wait for it.
 */
const DOWN_AFTER_MS = 2000;
const FAILOVER_TIMEOUT_MS = 5000;

/** A flat [field, value, ...] reply (SENTINEL MASTER, one entry of SENTINEL REPLICAS) as a record. */
function fields(reply: unknown): Record<string, string> {
  const flat = reply as string[];
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i]!] = flat[i + 1]!;
  return record;
}

/**
 * A real local Redis Sentinel deployment: one master, one replica
 * (`--replicaof`) and three sentinels (`redis-server sentinel.conf
 * --sentinel`, quorum 2), each on a free loopback port, with their config
 * files and logs in a temp dir. Every process is a child of the test
 * process, killed when it exits (LocalClusterNode); stop() kills them
 * before that. Which of the two servers is the master changes with a
 * failover: ask {@link SentinelBackend.master}.
 */
export class SentinelBackend implements Backend {
  readonly name = 'sentinel';
  private readonly clients = new Set<Redis>();

  private constructor(
    /** The first server started as the master, the second as its replica. */
    readonly servers: readonly [LocalClusterNode, LocalClusterNode],
    readonly sentinels: readonly LocalClusterNode[],
    private readonly dir: string,
    private readonly clientOptions: RedisOptions,
  ) {}

  /** `clientOptions` apply to the Sentinel clients handed to the storage, e.g. enableAutoPipelining. */
  static async start(clientOptions: RedisOptions = {}): Promise<SentinelBackend> {
    const dir = mkdtempSync(join(tmpdir(), 'usrs-sentinel-'));
    const started: LocalClusterNode[] = [];
    try {
      const master = await startNode(started, (port) => serverArgs(dir, port));
      const replica = await startNode(started, (port) => [...serverArgs(dir, port), '--replicaof', HOST, String(master.port)]);
      // Started once the replica is in sync, so each sentinel's first INFO of the master already lists it.
      await waitFor('the replica to sync', () => linkedTo(replica, master), 10_000);
      const sentinels = await Promise.all(
        Array.from({ length: SENTINELS }, () => startNode(started, (port) => sentinelArgs(dir, port, master.port))),
      );
      const backend = new SentinelBackend([master, replica], sentinels, dir, clientOptions);
      await backend.waitUntilSettled(master);
      return backend;
    } catch (error) {
      await Promise.all(started.map((node) => node.kill()));
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Where the sentinels are, for `new Redis({ sentinels, name })`. */
  get sentinelAddresses(): { host: string; port: number }[] {
    return this.sentinels.map((s) => ({ host: s.host, port: s.port }));
  }

  /** A connected ioredis Sentinel client: `new Redis({ sentinels, name: 'mymaster' })`. */
  async sentinelClient(options: RedisOptions = {}): Promise<Redis> {
    const client = new Redis({ sentinels: this.sentinelAddresses, name: MASTER_NAME, lazyConnect: true, ...this.clientOptions, ...options });
    client.on('error', () => {});
    this.clients.add(client);
    await client.connect();
    return client;
  }

  client(): Promise<StorageClient> {
    return this.sentinelClient();
  }

  /** The server the sentinels name as master now (the first sentinel's view). */
  async master(): Promise<LocalClusterNode> {
    const [, port] = await this.sentinels[0]!.command<[string, string]>('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME);
    const master = this.servers.find((s) => s.port === Number(port));
    if (!master) throw new Error(`the sentinels name ${port} as master, which is none of this backend's servers`);
    return master;
  }

  /** The server that is not {@link SentinelBackend.master}. */
  async replica(): Promise<LocalClusterNode> {
    const master = await this.master();
    return this.servers.find((s) => s !== master)!;
  }

  /** SENTINEL FAILOVER on one sentinel: resolves once it accepted the order, not once the failover is done. */
  async failover(): Promise<void> {
    await this.sentinels[0]!.command('SENTINEL', 'FAILOVER', MASTER_NAME);
  }

  /**
   * Resolves once every sentinel names `master`, knows the other server as
   * its replica in sync and knows the other two sentinels, and the other
   * server replicates from `master`: a failover is over, and the next one
   * can start.
   */
  async waitUntilSettled(master: LocalClusterNode, timeoutMs = 30_000): Promise<void> {
    const replica = this.servers.find((s) => s !== master)!;
    await waitFor(
      `every sentinel to name ${master.port} master, with ${replica.port} its replica`,
      async () => {
        try {
          const views = await Promise.all(this.sentinels.map((s) => sentinelSees(s, master, replica)));
          return views.every(Boolean) && (await linkedTo(replica, master));
        } catch {
          return false;
        }
      },
      timeoutMs,
    );
  }

  async keys(pattern: string): Promise<string[]> {
    const connection = (await this.master()).connect();
    try {
      await connection.connect();
      return await allKeys(connection, pattern);
    } finally {
      connection.disconnect();
    }
  }

  async scriptFlush(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.command('SCRIPT', 'FLUSH')));
  }

  /** Also drops the sentinels' hello-channel subscriptions; they reconnect, and a lost subscription is no failure sign to them. */
  async killSubscribers(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.command('CLIENT', 'KILL', 'TYPE', 'pubsub')));
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    this.clients.clear();
    await Promise.all([...this.sentinels, ...this.servers].map((node) => node.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts one process on a free port, recorded in `started` for cleanup. */
function startNode(started: LocalClusterNode[], args: (port: number) => string[]): Promise<LocalClusterNode> {
  return startOnFreePort(started, (port) => new LocalClusterNode(HOST, port, args(port), false));
}

function serverArgs(dir: string, port: number): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--dir',
    dir,
    '--dbfilename',
    `dump-${port}.rdb`,
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

/** A sentinel needs a config file of its own, which it rewrites: the first argument. */
function sentinelArgs(dir: string, port: number, masterPort: number): string[] {
  const file = join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    file,
    [
      `port ${port}`,
      `bind ${HOST}`,
      `dir ${dir}`,
      `logfile sentinel-${port}.log`,
      `sentinel monitor ${MASTER_NAME} ${HOST} ${masterPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
      '',
    ].join('\n'),
  );
  return [file, '--sentinel'];
}

/** `replica` replicates from `master` with its link up. */
async function linkedTo(replica: LocalClusterNode, master: LocalClusterNode): Promise<boolean> {
  try {
    const info = await replica.info('replication');
    return info.role === 'slave' && info.master_port === String(master.port) && info.master_link_status === 'up';
  } catch {
    return false;
  }
}

/** This sentinel names `master`, sees `replica` in sync under it, and knows the other sentinels. */
async function sentinelSees(sentinel: LocalClusterNode, master: LocalClusterNode, replica: LocalClusterNode): Promise<boolean> {
  const view = fields(await sentinel.command('SENTINEL', 'MASTER', MASTER_NAME));
  if (view.port !== String(master.port) || view.flags !== 'master' || view['num-other-sentinels'] !== String(SENTINELS - 1)) return false;
  const replicas = (await sentinel.command<unknown[]>('SENTINEL', 'REPLICAS', MASTER_NAME)).map(fields);
  return replicas.some(
    (r) => r.port === String(replica.port) && r.flags === 'slave' && r['master-link-status'] === 'ok' && r['master-port'] === String(master.port),
  );
}
