import os from 'node:os';
import { Redis } from 'ioredis';
import type { Codec } from '../../../src/index.js';
import { keyeventChannels } from '../../../src/subscriber/keyevent-channels.js';
import { REQUIRED_FLAGS } from '../../../src/subscriber/keyspace-events-config.js';
import { benchCodec, type BenchCodecName } from '../codecs.js';
import { Dataset } from '../dataset.js';
import { runPool } from '../measure.js';
import { commandStats, info, statDelta } from '../redis-info.js';
import { openStore } from '../run-case.js';
import type { SessionStore } from '../stores/session-store.js';
import { CallgrindServer } from './callgrind-server.js';
import { ROWS, type CostRow, type Layout } from './rows.js';
import { recordScriptCalls, type ScriptCall } from './script-calls.js';

export interface ServerCostOptions {
  /** Measured calls per batch: a multiple of 50 (see args.ts). */
  calls: number;
  sessionsPerSubject: number;
  codec: BenchCodecName;
  metaPadBytes: number;
  /** Told what is being measured, for a progress line. */
  onStep?: (what: string) => void;
}

/** Instructions per call of one storage operation, its floor and its peer. */
export interface RowCost {
  op: string;
  /** As the table shows it: subject-wide operations with their sessions per subject. */
  label: string;
  storage: number;
  floor: number;
  peer: { label: string; instructions: number };
}

/** Every figure of one `--server-cost` run (what `--json` writes). */
export interface ServerCostReport {
  redis: { version: string; buildId: string };
  /** For the record only: the counts do not depend on the machine. */
  machine: { cpuModel: string; node: string };
  calls: number;
  warmup: number;
  sessionsPerSubject: number;
  codec: BenchCodecName;
  rows: RowCost[];
  /** PING, EVALSHA of `return 1`, raw SET PX: what any call, any script, one plain write cost. */
  anchors: { name: string; instructions: number }[];
  /** Wrong results, floors that made other calls than their script: a run with any is not a result. */
  problems: string[];
}

/** Calls run before each measured batch, unmeasured: the first calls of a new connection or script allocate. */
const WARMUP = 10;
const PREFIX = 'cost';
/** Connections a storage opens on one server: its command connection and its subscriber. */
const STORAGE_CONNECTIONS = 2;
/** The row whose KEYS and ARGV the "return 1 with arguments" anchor sends: the operation with the most. */
const ARGS_ANCHOR_ROW = 'insert (existing index)';

/** One batch's instructions per call, and the commands Redis ran for it (INFO commandstats, scripts' calls included). */
interface Batch {
  perCall: number;
  commands: Record<string, number>;
}

/**
 * `npm run bench -- --server-cost`: Redis instructions per call, counted by
 * callgrind on a redis-server of its own, for every row of rows.ts (the
 * storage, its floor, its peer) and the anchors. Each batch runs one call
 * at a time on freshly prepared data, with one subscriber on the storage's
 * keyevent channels (the storage's own, or a silent one for the floor and
 * peer), so every side pays the same for notifications.
 */
export async function runServerCost(options: ServerCostOptions): Promise<ServerCostReport> {
  const server = await CallgrindServer.start(['--save', '', '--appendonly', 'no', '--notify-keyspace-events', REQUIRED_FLAGS]);
  const run = new CostRun(server, options);
  try {
    return await run.all();
  } finally {
    run.close();
    await server.stop();
  }
}

class CostRun {
  private readonly admin: Redis;
  /** The caller's client of every store but the measured storage (which gets one of its own, recorded). */
  private readonly client: Redis;
  /** The silent subscriber of the floor and peer batches. */
  private readonly sink: Redis;
  private readonly codec: Codec<unknown>;
  private readonly problems: string[] = [];
  /** What each row's storage batch sent, for its floor and for the anchors. */
  private readonly sent = new Map<string, ScriptCall[]>();
  private readonly connections: Redis[] = [];

  constructor(
    private readonly server: CallgrindServer,
    private readonly o: ServerCostOptions,
  ) {
    this.admin = this.connect();
    this.client = this.connect();
    this.sink = this.connect();
    this.codec = benchCodec(o.codec);
  }

  private connect(): Redis {
    const connection = new Redis(this.server.url, { maxRetriesPerRequest: 1 });
    this.connections.push(connection);
    return connection;
  }

  close(): void {
    for (const c of this.connections) c.disconnect();
  }

  async all(): Promise<ServerCostReport> {
    const server = await info(this.admin, 'server');
    const rows: RowCost[] = [];
    for (const row of ROWS) rows.push(await this.row(row));
    const anchors = await this.anchors();
    return {
      redis: { version: server.get('redis_version') ?? 'unknown', buildId: server.get('redis_build_id') ?? 'unknown' },
      machine: { cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
      calls: this.o.calls,
      warmup: WARMUP,
      sessionsPerSubject: this.o.sessionsPerSubject,
      codec: this.o.codec,
      rows,
      anchors,
      problems: this.problems,
    };
  }

  private async row(row: CostRow): Promise<RowCost> {
    const layout = row.layout(this.o.sessionsPerSubject);
    const data = new Dataset(layout.perSubject, this.o.metaPadBytes);
    const label = row.subjectWide ? `${row.op} (${layout.perSubject})` : row.op;

    this.o.onStep?.(`${label}: storage`);
    const storage = await this.storageBatch(row, layout, data);

    this.o.onStep?.(`${label}: floor`);
    await this.prepareWithStorage(layout, data);
    const calls = this.sent.get(row.op)!;
    const floorSha = (await this.admin.script('LOAD', row.floor)) as string;
    const floor = await this.withSink(() =>
      this.batch((j) => this.client.callBuffer('evalsha', floorSha, calls[j]!.numKeys, ...calls[j]!.keysAndArgs)),
    );
    this.compareCalls(label, storage.commands, floor.commands);

    this.o.onStep?.(`${label}: ${row.peer.label}`);
    await this.admin.flushall();
    const peerStore = await openStore(row.peer.store, this.client, PREFIX, data, this.codec);
    await this.prepare(peerStore, layout);
    const peer = await this.withSink(() =>
      this.batch(async (j) => {
        const i = layout.target(j);
        if ((await row.peer.run(peerStore, i)) === false) this.problem(`${label}: ${row.peer.label} on ${i} found nothing`);
      }),
    );
    return { op: row.op, label, storage: storage.perCall, floor: floor.perCall, peer: { label: row.peer.label, instructions: peer.perCall } };
  }

  /** The storage's batch, on a client of its own whose EVALSHAs are recorded for the floor. */
  private async storageBatch(row: CostRow, layout: Layout, data: Dataset): Promise<Batch> {
    await this.admin.flushall();
    const client = this.connect();
    const sent = recordScriptCalls(client);
    const store = await openStore('storage', client, PREFIX, data, this.codec);
    try {
      await this.prepare(store, layout);
      sent.length = 0;
      const batch = await this.batch(async (j) => {
        const i = layout.target(j);
        const verdict = await row.storage(store, i, data).catch((error: unknown) => `threw ${String(error)}`);
        if (verdict !== true) this.problem(`${row.op}: ${verdict}`);
      }, STORAGE_CONNECTIONS);
      this.sent.set(row.op, [...sent]);
      return batch;
    } finally {
      await store.close();
      client.disconnect();
      this.connections.splice(this.connections.indexOf(client), 1);
    }
  }

  /** The same data the storage's batch started from, written by a storage that is closed again before the floor runs. */
  private async prepareWithStorage(layout: Layout, data: Dataset): Promise<void> {
    await this.admin.flushall();
    const store = await openStore('storage', this.client, PREFIX, data, this.codec);
    try {
      await this.prepare(store, layout);
    } finally {
      // Open, its subscriber would clean up after the floor's DELs.
      await store.close();
    }
  }

  private async prepare(store: SessionStore, layout: Layout): Promise<void> {
    const sessions = layout.prepare(WARMUP + this.o.calls);
    await runPool(0, sessions.length, 64, async (k) => void (await store.insert(sessions[k]!)));
  }

  /** Runs `fn` with the silent subscriber on the storage's keyevent channels. */
  private async withSink<T>(fn: () => Promise<T>): Promise<T> {
    const channels = [...keyeventChannels(0).keys()];
    await this.sink.subscribe(...channels);
    try {
      return await fn();
    } finally {
      await this.sink.unsubscribe(...channels);
    }
  }

  /**
   * Calls 0 .. WARMUP-1 unmeasured, then WARMUP .. WARMUP+calls-1 one at a
   * time between callgrind's zero and dump. Connections closed just before
   * are first seen gone by the server, so that their end is not counted.
   */
  private async batch(call: (j: number) => Promise<unknown>, storageConnections = 0): Promise<Batch> {
    for (let j = 0; j < WARMUP; j++) await call(j);
    await this.settle(storageConnections);
    const before = (await commandStats(this.admin)).calls;
    await this.server.zero();
    for (let j = WARMUP; j < WARMUP + this.o.calls; j++) await call(j);
    const instructions = await this.server.instructions();
    const { info: _, ...commands } = statDelta(before, (await commandStats(this.admin)).calls);
    return { perCall: Math.round(instructions / this.o.calls), commands };
  }

  /**
   * Waits until the server counts no more connections than this run has
   * open (`extra`: the storage's own, its command connection and its
   * subscriber): a connection closed just before is then gone on the server
   * too, and its end is not counted in the batch.
   */
  private async settle(extra: number): Promise<void> {
    const open = this.connections.length + extra;
    for (let tries = 0; tries < 200; tries++) {
      const clients = Number((await info(this.admin, 'clients')).get('connected_clients'));
      if (clients <= open) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.problem(`the server still had connections this run closed after 10 s`);
  }

  /** A floor that made other calls than its script measures something else: a problem, with both lists. */
  private compareCalls(label: string, storage: Record<string, number>, floor: Record<string, number>): void {
    const { evalsha: _s, ...script } = storage;
    const { evalsha: _f, ...made } = floor;
    const show = (c: Record<string, number>): string =>
      Object.entries(c)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    if (show(script) !== show(made)) {
      this.problem(`${label}: the floor made other calls than the script (floors.ts): script ${show(script)}; floor ${show(made)}`);
    }
  }

  private problem(what: string): void {
    if (this.problems.length < 50) this.problems.push(what);
  }

  private async anchors(): Promise<ServerCostReport['anchors']> {
    const anchors: ServerCostReport['anchors'] = [];
    const measure = async (name: string, call: (j: number) => Promise<unknown>): Promise<void> => {
      this.o.onStep?.(name);
      await this.admin.flushall();
      anchors.push({ name, instructions: (await this.withSink(() => this.batch(call))).perCall });
    };
    await measure('PING', () => this.client.ping());
    const returnOne = (await this.admin.script('LOAD', 'return 1')) as string;
    await measure('EVALSHA `return 1`, no keys', () => this.client.evalsha(returnOne, 0));
    const insertCalls = this.sent.get(ARGS_ANCHOR_ROW);
    if (insertCalls) {
      await measure(`EVALSHA \`return 1\`, the KEYS and ARGV of ${ARGS_ANCHOR_ROW}`, (j) =>
        this.client.evalsha(returnOne, insertCalls[j]!.numKeys, ...insertCalls[j]!.keysAndArgs),
      );
    }
    // One session per subject: call j writes a key of its own.
    const raw = await openStore('raw', this.client, PREFIX, new Dataset(1, this.o.metaPadBytes), this.codec);
    await measure('SET PX (raw store insert)', (j) => raw.insert(j));
    return anchors;
  }
}
