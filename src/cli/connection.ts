import { InvalidArgumentError } from 'commander';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * --url's parser: what ioredis would take for something else (`http://x`
 * becomes a unix socket path "//x") is refused with the forms it accepts.
 */
export function redisUrl(value: string): string {
  if (value.startsWith('/')) return value; // a unix socket path, as ioredis takes it
  let scheme: string;
  try {
    scheme = new URL(value).protocol;
  } catch {
    scheme = '';
  }
  if (scheme !== 'redis:' && scheme !== 'rediss:') {
    throw new InvalidArgumentError(
      'expected redis://[user:password@]host[:port][/db], rediss://... (TLS) or the absolute path of a unix socket' +
        (scheme ? `; "${scheme}//" is not a Redis URL` : ''),
    );
  }
  return value;
}

/** Where a command works: one server, or a cluster and its masters. */
export interface Target {
  /** Routes each command by its key's slot on a cluster. */
  client: Redis | Cluster;
  /** The servers to SCAN and to check: the one server, or every master of the cluster. */
  masters: Redis[];
  cluster: boolean;
  close(): void;
}

/**
 * An operator's command should fail fast and say why, not retry in the
 * background: no reconnects, no retried commands.
 */
const failFast: RedisOptions = { connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null };

/**
 * Connects to --url and, if that server is a Redis Cluster node
 * (`cluster_enabled:1`), to the whole cluster through it, so that every
 * command reaches the master of its key and SCAN visits every master.
 */
export async function connect(url: string): Promise<Target> {
  const node = await connectNode(url);
  let clusterEnabled: boolean;
  try {
    clusterEnabled = /^cluster_enabled:1\s*$/m.test(await node.info('cluster'));
  } catch {
    clusterEnabled = false; // INFO refused (ACL): taken for one server
  }
  if (!clusterEnabled) return { client: node, masters: [node], cluster: false, close: () => node.disconnect() };
  node.disconnect();
  const cluster = await connectCluster(url, node.options);
  return { client: cluster, masters: cluster.nodes('master'), cluster: true, close: () => cluster.disconnect() };
}

async function connectNode(url: string): Promise<Redis> {
  // The offline queue is off: a command on a connection that is gone fails at once instead of waiting for it.
  const client = new Redis(url, { ...failFast, lazyConnect: true, enableOfflineQueue: false });
  // connect() rejects with a bare "Connection is closed."; the 'error' event carries the cause (ECONNREFUSED...).
  let cause: unknown;
  client.on('error', (error) => {
    cause ??= error;
  });
  try {
    await client.connect();
  } catch (error) {
    // Already ended (no retryStrategy): a disconnect() now would hold the process for ioredis's disconnectTimeout.
    if (client.status !== 'end') client.disconnect();
    throw new CliError(
      `cannot connect to ${redactUrl(url)}: ${messageOf(cause ?? error).replace(/\.$/, '')}; check --url (host, port, user and password) and that the server is running`,
    );
  }
  return client;
}

/** A Cluster client seeded with the node --url named, with its credentials and TLS. */
async function connectCluster(url: string, node: RedisOptions): Promise<Cluster> {
  if (node.path) throw new CliError(`${url} is a Redis Cluster node: pass its redis://host:port, a cluster is not reached through a unix socket`);
  if (node.db) throw new CliError(`${redactUrl(url)} is a Redis Cluster node, which has only database 0: remove /${node.db} from --url`);
  const cluster = new Cluster([{ host: node.host, port: node.port }], {
    lazyConnect: true,
    clusterRetryStrategy: () => null,
    // The masters are connected on their first command (SCAN): nodes keep their offline queue for that.
    redisOptions: { ...failFast, username: node.username, password: node.password, tls: node.tls },
  });
  let cause: unknown;
  cluster.on('error', (error) => {
    cause ??= error;
  });
  cluster.on('node error', () => {});
  try {
    await cluster.connect();
  } catch (error) {
    cluster.disconnect();
    throw new CliError(`cannot connect to the Redis Cluster of ${redactUrl(url)}: ${messageOf(cause ?? error)}`);
  }
  return cluster;
}

/** A failure to report as one plain line: exit code 1, or 2 for bad usage found after parsing (a --codec module). */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
