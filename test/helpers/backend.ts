import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { TestRedis } from './redis-server.js';
import { allKeys } from './scan.js';

/** What the storage is given as `client`, typed so that tests can send commands on it too. */
export type StorageClient = Redis | Cluster;

/**
 * A real Redis deployment the behaviour suite runs against: one server
 * here, a local cluster in test/cluster. Everything the suite does to the
 * deployment besides calling the storage goes through this interface.
 */
export interface Backend {
  readonly name: string;
  /** A new connected client, closed by stop(). */
  client(): Promise<StorageClient>;
  /** Every key matching a SCAN pattern, on every master. */
  keys(pattern: string): Promise<string[]>;
  /** SCRIPT FLUSH on every node. */
  scriptFlush(): Promise<void>;
  /** CLIENT KILL TYPE pubsub on every node: drops every subscriber connection. */
  killSubscribers(): Promise<void>;
  stop(): Promise<void>;
}

export class SingleNodeBackend implements Backend {
  readonly name = 'single node';

  private constructor(
    readonly redis: TestRedis,
    private readonly clientOptions: RedisOptions,
  ) {}

  /** `clientOptions` apply to the clients handed to the storage, e.g. enableAutoPipelining. */
  static async start(clientOptions: RedisOptions = {}): Promise<SingleNodeBackend> {
    return new SingleNodeBackend(await TestRedis.start(), clientOptions);
  }

  client(): Promise<StorageClient> {
    return this.redis.client(this.clientOptions);
  }

  async keys(pattern: string): Promise<string[]> {
    const admin = await this.redis.client();
    try {
      return await allKeys(admin, pattern);
    } finally {
      admin.disconnect();
    }
  }

  async scriptFlush(): Promise<void> {
    const admin = await this.redis.client();
    await admin.script('FLUSH');
    admin.disconnect();
  }

  async killSubscribers(): Promise<void> {
    const admin = await this.redis.client();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    admin.disconnect();
  }

  stop(): Promise<void> {
    return this.redis.stop();
  }
}
