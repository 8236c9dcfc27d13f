import type { Redis } from 'ioredis';

/** The KEYS and ARGV of one EVALSHA, as sent: numkeys, then the keys, then the arguments. */
export interface ScriptCall {
  numKeys: number;
  keysAndArgs: (string | Buffer)[];
}

/**
 * Records every EVALSHA sent through `client` or a connection duplicated
 * from it (the storage sends its scripts on a duplicate of its own), so
 * that a floor script can be sent with exactly what the storage sent.
 */
export function recordScriptCalls(client: Redis): ScriptCall[] {
  const calls: ScriptCall[] = [];
  const hook = (connection: Redis): Redis => {
    const send = connection.sendCommand.bind(connection);
    connection.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
      const [command] = args;
      if (command.name.toLowerCase() === 'evalsha') {
        const [, numKeys, ...keysAndArgs] = command.args as (string | Buffer | number)[];
        calls.push({ numKeys: Number(numKeys), keysAndArgs: keysAndArgs.map((a) => (typeof a === 'number' ? String(a) : a)) });
      }
      return send(...args);
    };
    const duplicate = connection.duplicate.bind(connection);
    connection.duplicate = (...args: Parameters<Redis['duplicate']>) => hook(duplicate(...args));
    return connection;
  };
  hook(client);
  return calls;
}
