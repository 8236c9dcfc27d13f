import { RedisMemoryServer } from 'redis-memory-server';
import { systemRedisServer } from '../lib/redis-binary.js';

export interface BenchServer {
  url: string;
  /** True when the bench started this server itself (and may flush it). */
  embedded: boolean;
  /** Stops an embedded server; leaves an external one alone. */
  stop(): Promise<void>;
}

/**
 * The server to measure: the one at `url`, or a fresh redis-server found the
 * way the tests find it (system binary first, so nothing is downloaded).
 * Persistence is off so that a background save cannot land in a measurement.
 */
export async function openServer(url: string | undefined): Promise<BenchServer> {
  if (url) return { url, embedded: false, stop: async () => {} };
  const systemBinary = systemRedisServer();
  const server = await RedisMemoryServer.create({
    binary: systemBinary ? { systemBinary } : {},
    // DEBUG HTSTATS (local connections only) tells when a key-table doubling is over: see rehash.ts.
    instance: { args: ['--save', '', '--appendonly', 'no', '--enable-debug-command', 'local'] },
  });
  const host = await server.getHost();
  const port = await server.getPort();
  return { url: `redis://${host}:${port}`, embedded: true, stop: async () => void (await server.stop()) };
}
