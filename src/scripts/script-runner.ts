import { createHash } from 'node:crypto';
import { luaScripts, type ScriptName } from './lua.generated.js';
import type { ScriptClient } from './script-client.js';
import { SingleNodeScriptLoader, type ScriptLoader } from './script-loader.js';

const shas = Object.fromEntries(Object.values(luaScripts).map((s) => [s.name, createHash('sha1').update(s.lua).digest('hex')])) as Record<
  ScriptName,
  string
>;

/** The SHA1 under which Redis caches a script. */
export function scriptSha(name: ScriptName): string {
  return shas[name];
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Runs every operation as a single EVALSHA, sent the way the client routes
 * it (by the keys' slot in a cluster). Scripts are preloaded by the loader;
 * a NOSCRIPT reply (SCRIPT FLUSH, restart, failover to a replica with an
 * empty cache) loads that script on the node that replied and retries (once
 * on one server; in a cluster the slot may move on while the script loads).
 * Retrying is safe: NOSCRIPT means nothing ran.
 * Unlike ioredis's defineCommand, it never sends the script body with EVAL.
 */
export class ScriptRunner {
  constructor(
    private readonly client: ScriptClient,
    private readonly loader: ScriptLoader = new SingleNodeScriptLoader(client),
  ) {}

  loadAll(): Promise<void> {
    return this.loader.loadAll();
  }

  async run(name: ScriptName, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown> {
    for (let reloads = 0; ; reloads++) {
      try {
        return await this.client.evalsha(shas[name], keys, args);
      } catch (error) {
        if (!isNoScript(error) || reloads === this.loader.maxReloads) throw error;
        await this.loader.load(name, keys[0]!);
      }
    }
  }
}
