import { Redis, type RedisOptions } from 'ioredis';
import type { RedisMemoryServer } from 'redis-memory-server';
import { startRedisServer } from '../../scripts/lib/redis-server.js';

/**
 * A real redis-server of a test file's own, on a free port. Every client it
 * hands out is closed by stop().
 */
export class TestRedis {
  private readonly clients = new Set<Redis>();

  private constructor(
    private readonly server: RedisMemoryServer,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(args: string[] = []): Promise<TestRedis> {
    const { server, host, port } = await startRedisServer(args);
    return new TestRedis(server, host, port);
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  /** A connected client; `protocol` defaults to ioredis's own default (RESP3 in v6). */
  async client(options: RedisOptions = {}): Promise<Redis> {
    const client = new Redis({ host: this.host, port: this.port, lazyConnect: true, ...options });
    client.on('error', () => {});
    this.clients.add(client);
    await client.connect();
    return client;
  }

  /** Kills the server and starts it again on the same port: all data and CONFIG SET are gone. */
  async restart(): Promise<void> {
    await this.server.stop();
    await this.server.start();
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    this.clients.clear();
    await this.server.stop();
  }
}
