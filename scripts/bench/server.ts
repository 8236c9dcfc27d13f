import { startRedisServer } from '../lib/redis-server.js';

export interface BenchServer {
  url: string;
  /** True when the bench started this server itself (and may flush it). */
  embedded: boolean;
  /** Stops an embedded server; leaves an external one alone. */
  stop(): Promise<void>;
}

/**
 * The server to measure: the one at `url`, or a fresh redis-server started
 * the way the tests start theirs (scripts/lib/redis-server.ts).
 * Persistence is off so that a background save cannot land in a measurement.
 */
export async function openServer(url: string | undefined): Promise<BenchServer> {
  if (url) return { url, embedded: false, stop: async () => {} };
  // DEBUG HTSTATS (local connections only) tells when a key-table doubling is over: see rehash.ts.
  const { server, host, port } = await startRedisServer(['--save', '', '--appendonly', 'no', '--enable-debug-command', 'local']);
  return { url: `redis://${host}:${port}`, embedded: true, stop: async () => void (await server.stop()) };
}
