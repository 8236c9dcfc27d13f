import type { Redis } from 'ioredis';
import { luaScripts, type ScriptName } from './lua.generated.js';
import { SingleFlight } from './single-flight.js';

/** What the runner needs of a client: raw Buffer replies, which ioredis auto-pipelines like any command. */
export type ScriptClient = Pick<Redis, 'callBuffer' | 'call'>;

/**
 * Puts the scripts where EVALSHA will run them: on the one server, or on
 * every node of a cluster (src/cluster/cluster-script-loader.ts).
 */
export interface ScriptLoader {
  /** SCRIPT LOAD of every script wherever an EVALSHA may land; keeps doing so after reconnects. */
  loadAll(): Promise<void>;
  /** SCRIPT LOAD of one script on the node that serves `key`: the one that just replied NOSCRIPT. */
  load(name: ScriptName, key: string): Promise<unknown>;
  /** Stops following the client's reconnects. */
  stop(): void;
}

/** SCRIPT LOAD of every script, pipelined into one round trip by the connection's queue. */
export async function loadScripts(client: ScriptClient): Promise<void> {
  await Promise.all(Object.values(luaScripts).map((s) => client.call('SCRIPT', 'LOAD', s.lua)));
}

/** One Redis server: scripts are loaded again on every ready connection, since a restarted server has none. */
export class SingleNodeScriptLoader implements ScriptLoader {
  private readonly reloads = new SingleFlight();
  private readonly reloadAll = (): void => {
    loadScripts(this.client).catch(this.onError);
  };

  constructor(
    private readonly client: Redis,
    private readonly onError: (error: unknown) => void,
  ) {
    client.on('ready', this.reloadAll);
  }

  loadAll(): Promise<void> {
    return loadScripts(this.client);
  }

  /** One reload at a time per script, however many pipelined calls hit NOSCRIPT together. */
  load(name: ScriptName): Promise<unknown> {
    return this.reloads.run(name, () => this.client.call('SCRIPT', 'LOAD', luaScripts[name].lua));
  }

  stop(): void {
    this.client.off('ready', this.reloadAll);
  }
}
