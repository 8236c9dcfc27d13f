import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScripts, type ScriptName } from './lua.generated.js';

/**
 * What the runner needs of a client. ioredis generates `evalshaBuffer` (a
 * Buffer-reply EVALSHA) at run time but does not declare it. It is used
 * rather than `callBuffer('EVALSHA', ...)` because ioredis 6's
 * auto-pipelining drops the command name of `callBuffer` calls.
 */
export type ScriptClient = Pick<Redis, 'call'> & {
  evalshaBuffer(sha: string, numberOfKeys: number, ...keysAndArgs: (string | Buffer)[]): Promise<unknown>;
};

const shas = Object.fromEntries(
  Object.values(luaScripts).map((s) => [s.name, createHash('sha1').update(s.lua).digest('hex')]),
) as Record<ScriptName, string>;

/** The SHA1 under which Redis caches a script. */
export function scriptSha(name: ScriptName): string {
  return shas[name];
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Runs every operation as a single EVALSHA. Scripts are preloaded with
 * SCRIPT LOAD (by the owner, on every ready connection); a NOSCRIPT reply
 * (SCRIPT FLUSH, restart, failover to a replica with an empty cache) loads
 * that script and retries once. Retrying is safe: NOSCRIPT means nothing ran.
 * Unlike ioredis's defineCommand, it never sends the script body with EVAL.
 */
export class ScriptRunner {
  /** One reload at a time per script, however many pipelined calls hit NOSCRIPT together. */
  private readonly reloads = new Map<ScriptName, Promise<unknown>>();

  constructor(private readonly client: ScriptClient) {}

  /** SCRIPT LOAD of every script, pipelined into one round trip by the connection's queue. */
  async loadAll(client: ScriptClient = this.client): Promise<void> {
    await Promise.all(Object.values(luaScripts).map((s) => client.call('SCRIPT', 'LOAD', s.lua)));
  }

  async run(name: ScriptName, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown> {
    try {
      return await this.client.evalshaBuffer(shas[name], keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      await this.reload(name);
      return await this.client.evalshaBuffer(shas[name], keys.length, ...keys, ...args);
    }
  }

  private reload(name: ScriptName): Promise<unknown> {
    let pending = this.reloads.get(name);
    if (!pending) {
      pending = this.client.call('SCRIPT', 'LOAD', luaScripts[name].lua).finally(() => this.reloads.delete(name));
      this.reloads.set(name, pending);
    }
    return pending;
  }
}
