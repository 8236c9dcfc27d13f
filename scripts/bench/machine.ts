import os from 'node:os';

/** Where a bench ran: the head of every report. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  redis: string;
  server: 'embedded' | 'external';
}

/** This machine, with the Redis version the run used and whether the bench started that server itself. */
export function machineOf(redis: string, embedded: boolean): Machine {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    redis,
    server: embedded ? 'embedded' : 'external',
  };
}
