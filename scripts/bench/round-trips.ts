import type { Redis } from 'ioredis';
import { readsProcessed } from './redis-info.js';
import { medianUsecPerCall, runInParts } from './server-time.js';

export interface RoundTrips {
  /** Requests the server read per operation (INFO stats total_reads_processed), for a client that waits for each reply. */
  roundTripsPerOp: number;
  /** Commands the client sent per operation (counted in ioredis's sendCommand). */
  commandsPerOp: number;
  /** Server-side calls per operation by command (INFO commandstats; includes commands run inside scripts). */
  serverCallsPerOp: Record<string, number>;
  /**
   * Server time per operation in µs, for operations that are one top-level
   * command (EVALSHA, SET, GET): commandstats usec of that command. Undefined
   * for MULTI/EXEC and multi-command designs, whose inner calls Redis counts twice.
   */
  serverUsecPerOp: number | undefined;
}

/** A client whose sent commands are counted; it must not auto-pipeline, so each await is one round trip. */
export interface CountingClient {
  client: Redis;
  sent(): number;
}

/**
 * Counts the commands sent through `client` and through every connection
 * duplicated from it: the storage sends its scripts on a duplicate of its
 * own, which never re-sends a command (see README, "What REDIS_ERROR means").
 */
export function countCommands(client: Redis): CountingClient {
  let sent = 0;
  const count = (connection: Redis): Redis => {
    const send = connection.sendCommand.bind(connection);
    connection.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
      sent++;
      return send(...args);
    };
    const duplicate = connection.duplicate.bind(connection);
    connection.duplicate = (...args: Parameters<Redis['duplicate']>) => count(duplicate(...args));
    return connection;
  };
  count(client);
  return { client, sent: () => sent };
}

/**
 * Runs operations [from, from + n) one after another and counts what reached
 * the server. A sequential client sends each request and waits for its reply,
 * so every read event on the server is one round trip; the INFO calls in
 * between are subtracted. The server time per operation is the median over
 * consecutive parts of the probe (server-time.ts).
 */
export async function probeRoundTrips(
  admin: Redis,
  counter: CountingClient,
  from: number,
  n: number,
  op: (i: number) => Promise<unknown>,
): Promise<RoundTrips> {
  const readsBefore = await readsProcessed(admin);
  const sentBefore = counter.sent();
  const run = await runInParts(admin, from, n, op);
  const sent = counter.sent() - sentBefore;
  // Minus the INFO commandstats requests of the run and this INFO stats.
  const reads = (await readsProcessed(admin)) - readsBefore - run.infoRequests - 1;
  const { info: _, ...calls } = run.calls;
  const perOp = (x: number): number => Math.round((x / n) * 100) / 100;
  const top = singleCommand(calls, n);
  return {
    roundTripsPerOp: perOp(reads),
    commandsPerOp: perOp(sent),
    serverCallsPerOp: Object.fromEntries(Object.entries(calls).map(([c, k]) => [c, perOp(k)])),
    serverUsecPerOp: top ? Math.round(medianUsecPerCall(run, top) * 100) / 100 : undefined,
  };
}

/** The top-level command when each operation was exactly one EVALSHA, SET or GET. */
function singleCommand(calls: Record<string, number>, n: number): string | undefined {
  return ['evalsha', 'set', 'get'].find((c) => calls[c] === n && (c === 'evalsha' || Object.keys(calls).length === 1));
}
