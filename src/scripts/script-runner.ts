import { createHash } from 'node:crypto';
import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
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

/**
 * The KEYS a script takes: exactly `fixed` (the number in its file name),
 * or with `variadic`, `fixed` followed by any number of declared value keys
 * (subject-wide scripts on Redis Cluster).
 */
export interface KeyCount {
  readonly fixed: number;
  readonly variadic?: boolean;
}

/** A script and the KEYS it takes: what the runner checks a call against. */
export interface ScriptContract {
  readonly script: ScriptName;
  readonly keys: KeyCount;
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

  /**
   * Sends the script with `keys`, after checking their number against the
   * contract: a script given too few KEYS would read `nil` keys, and on a
   * cluster one given an undeclared key would escape the slot checks.
   */
  async run({ script, keys: count }: ScriptContract, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown> {
    if (count.variadic ? keys.length < count.fixed : keys.length !== count.fixed) {
      throw new UserSessionStorageError(
        ErrorCode.REDIS_ERROR,
        `script ${script} takes ${count.variadic ? 'at least ' : ''}${count.fixed} KEYS and was given ${keys.length}; ` +
          'it was not sent. This is a bug of user-session-redis-storage: please report it',
      );
    }
    for (let reloads = 0; ; reloads++) {
      try {
        return await this.client.evalsha(shas[script], keys, args);
      } catch (error) {
        if (!isNoScript(error) || reloads === this.loader.maxReloads) throw error;
        await this.loader.load(script, keys[0]!);
      }
    }
  }
}
