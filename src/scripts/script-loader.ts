import type { Redis } from 'ioredis';
import { nodeName, traceScriptLoad } from '../observability/diagnostics.js';
import { luaScripts, type ScriptName } from './lua.generated.js';
import type { ScriptClient } from './script-client.js';
import { SingleFlight } from './single-flight.js';

/** A connection scripts can be loaded on. */
export type ScriptLoadClient = Pick<ScriptClient, 'call'>;

/**
 * Puts the scripts where EVALSHA will run them: on the one server, or on
 * every node of a cluster (src/deployments/cluster/cluster-script-loader.ts).
 */
export interface ScriptLoader {
  /** SCRIPT LOAD of every script wherever an EVALSHA may land; keeps doing so after reconnects. */
  loadAll(): Promise<void>;
  /** How many NOSCRIPT replies to one call are met with load() and a retry. */
  readonly maxReloads: number;
  /** SCRIPT LOAD of one script on the node that serves `key`: the one that just replied NOSCRIPT. */
  load(name: ScriptName, key: string): Promise<unknown>;
  /** Stops following the client's reconnects. */
  stop(): void;
}

/** SCRIPT LOAD of every script, pipelined into one round trip by the connection's queue. */
export async function loadScripts(client: ScriptLoadClient): Promise<void> {
  await Promise.all(Object.values(luaScripts).map((s) => client.call('SCRIPT', 'LOAD', s.lua)));
}

/** One Redis server. */
export class SingleNodeScriptLoader implements ScriptLoader {
  /** A second NOSCRIPT right after a load means the cache was flushed again: report it. */
  readonly maxReloads = 1;
  private readonly reloads = new SingleFlight();
  private stopFollowing = (): void => {};
  /** The server's name in trace messages, once known. */
  private node: string | undefined;

  constructor(private readonly client: ScriptLoadClient) {}

  /** Loads every script again on each 'ready' of the connection: a restarted server has none. */
  followReconnects(connection: Pick<Redis, 'on' | 'off' | 'options'>, onError: (error: unknown) => void): this {
    const node = (this.node = nodeName(connection));
    const reload = (): void => {
      traceScriptLoad(this.loadAll(), { trigger: 'ready', node, script: 'all' }).catch(onError);
    };
    connection.on('ready', reload);
    this.stopFollowing = () => connection.off('ready', reload);
    return this;
  }

  loadAll(): Promise<void> {
    return loadScripts(this.client);
  }

  /** One reload at a time per script, however many pipelined calls hit NOSCRIPT together. */
  load(name: ScriptName): Promise<unknown> {
    return this.reloads.run(name, () =>
      traceScriptLoad(this.client.call('SCRIPT', 'LOAD', luaScripts[name].lua), { trigger: 'noscript', node: this.node, script: name }),
    );
  }

  stop(): void {
    this.stopFollowing();
  }
}
