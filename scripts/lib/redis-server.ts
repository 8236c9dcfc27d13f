import { RedisMemoryServer } from 'redis-memory-server';
import { systemRedisServer } from './redis-binary.js';

/** A redis-server of this process's own on a free port (redis-memory-server stops it with the process). */
export interface StartedRedisServer {
  readonly server: RedisMemoryServer;
  readonly host: string;
  readonly port: number;
}

/**
 * Starts a redis-server with `args` on a free port: the system binary first
 * (redis-binary.ts), so nothing is downloaded. The tests' TestRedis and the
 * bench's embedded server both start theirs here.
 */
export async function startRedisServer(args: string[] = []): Promise<StartedRedisServer> {
  const systemBinary = systemRedisServer();
  const server = await RedisMemoryServer.create({
    binary: systemBinary ? { systemBinary } : {},
    instance: { args },
  });
  return { server, host: await server.getHost(), port: await server.getPort() };
}
