import { Redis } from 'ioredis';

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
 * One connection for one command. An operator's command should fail fast
 * and say why, not retry in the background: no reconnects, no offline queue.
 */
export async function connect(url: string): Promise<Redis> {
  let client: Redis;
  try {
    client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
  } catch (error) {
    throw new CliError(`cannot use --url ${redactUrl(url)}: ${messageOf(error)}; pass redis://[user:password@]host:port[/db]`);
  }
  // connect() rejects with a bare "Connection is closed."; the 'error' event carries the cause (ECONNREFUSED...).
  let cause: unknown;
  client.on('error', (error) => {
    cause ??= error;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new CliError(`cannot connect to ${redactUrl(url)}: ${messageOf(cause ?? error)}; check --url and that the server is running`);
  }
  return client;
}

/** A failure to report as one plain line, with exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
