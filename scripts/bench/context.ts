import { Redis } from 'ioredis';
import type { Codec } from '../../src/index.js';
import type { BenchOptions } from './args.js';
import { benchCodec } from './codecs.js';
import type { Progress } from './progress.js';
import { countCommands, type CountingClient } from './round-trips.js';

/** Connections and helpers shared by every case of one run. */
export class BenchContext {
  private prefixes = 0;
  private readonly clients: Redis[] = [];
  readonly admin: Redis;
  readonly probe: CountingClient;
  /** What every store of the run encodes metadata with (`--codec`). */
  readonly codec: Codec<unknown>;

  constructor(
    readonly options: BenchOptions,
    readonly url: string,
    /** The bench started the server: FLUSHALL is allowed. */
    readonly embedded: boolean,
    readonly progress: Progress,
  ) {
    this.admin = this.client(false);
    this.probe = countCommands(this.client(false));
    this.codec = benchCodec(options.codec);
  }

  /** A client of the caller's kind, with or without ioredis auto-pipelining. */
  client(enableAutoPipelining: boolean): Redis {
    const client = new Redis(this.url, { enableAutoPipelining, maxRetriesPerRequest: 1 });
    this.clients.push(client);
    return client;
  }

  /** A key prefix of its own for each case, so cases never see each other's keys. */
  newPrefix(): string {
    return `bench${process.pid}x${++this.prefixes}`;
  }

  async keysUnder(prefix: string): Promise<number> {
    let n = 0;
    for await (const keys of this.admin.scanStream({ match: `${prefix}:*`, count: 1000 })) n += (keys as string[]).length;
    return n;
  }

  /** Removes a case's keys: FLUSHALL on our own server, SCAN + UNLINK of the prefix on someone else's. */
  async clean(prefix: string): Promise<void> {
    if (this.embedded) {
      await this.admin.flushall();
      return;
    }
    for await (const keys of this.admin.scanStream({ match: `${prefix}:*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await this.admin.unlink(...(keys as string[]));
    }
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.disconnect();
  }
}
