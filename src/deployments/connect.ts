import type { Cluster, Redis } from 'ioredis';

/**
 * Connects, and on failure rejects with what went wrong: ioredis's
 * connect() rejects with a bare "Connection is closed." while its 'error'
 * event carries the cause (ECONNREFUSED, WRONGPASS, a TLS failure...).
 */
export async function connectWithCause(connection: Redis | Cluster): Promise<void> {
  let cause: unknown;
  const onError = (error: unknown): void => {
    cause ??= error;
  };
  connection.on('error', onError);
  try {
    await connection.connect();
  } catch (error) {
    throw cause ?? error;
  } finally {
    connection.off('error', onError);
  }
}
