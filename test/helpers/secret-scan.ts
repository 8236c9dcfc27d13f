import { readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import type { TestFn } from 'ava';
import { Redis, type Cluster } from 'ioredis';
import { createSessionToken, parseSessionToken, UserSessionRedisStorage } from '../../src/index.js';
import { runCli } from './cli.js';
import { allKeys } from './scan.js';
import { waitFor } from './wait.js';

/**
 * Everything a server lets an operator, a subscriber or a log see, recorded
 * while a workload runs, to search for bearer secrets afterwards
 * (test/reliability/no-secret-at-rest.test.ts and its cluster variant).
 */

export interface ServerAddress {
  host: string;
  port: number;
}

/** What was recorded, per source: the bytes to search. */
export type Sources = Record<Source, Buffer[]>;
export type Source = 'key names and values' | 'RDB file' | 'MONITOR' | 'keyspace notifications' | 'SLOWLOG' | 'CLI output' | 'API results and events';
export const SOURCES: readonly Source[] = [
  'key names and values',
  'RDB file',
  'MONITOR',
  'keyspace notifications',
  'SLOWLOG',
  'CLI output',
  'API results and events',
];

/**
 * A raw RESP connection that sends one command (MONITOR, PSUBSCRIBE) and
 * keeps every byte the server sends back: no client library between the
 * server and the search, so nothing is parsed away.
 */
class RawStream {
  readonly chunks: Buffer[] = [];
  private constructor(private readonly socket: Socket) {}

  static async open(address: ServerAddress, command: string[], ready: (received: string) => boolean): Promise<RawStream> {
    const socket = connect(address.port, address.host);
    const stream = new RawStream(socket);
    socket.on('data', (chunk: Buffer) => stream.chunks.push(chunk));
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(`*${command.length}\r\n${command.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
    await waitFor(`${command[0]} on ${address.port} to be confirmed`, () => ready(Buffer.concat(stream.chunks).toString('latin1')), 5000);
    return stream;
  }

  close(): Buffer[] {
    this.socket.destroy();
    return this.chunks;
  }
}

/**
 * Records MONITOR and every keyspace and keyevent notification of every
 * server, logs every command in SLOWLOG (slowlog-log-slower-than 0) and
 * publishes every notification (notify-keyspace-events KEA), until stop().
 * `snapshot()` adds every key of every server, name and content, as it is
 * at that moment: a workload calls it while its sessions exist.
 */
export class Recorder {
  readonly sources: Sources = Object.fromEntries(SOURCES.map((s) => [s, []])) as unknown as Sources;
  /** CLI runs that failed: what they printed is no evidence of what a working one shows. */
  readonly cliFailures: string[] = [];

  private constructor(
    private readonly admins: Redis[],
    private readonly monitors: RawStream[],
    private readonly subscribers: RawStream[],
  ) {}

  static async start(servers: readonly ServerAddress[]): Promise<Recorder> {
    const admins = servers.map((s) => new Redis({ host: s.host, port: s.port }));
    for (const admin of admins) {
      // A cluster replica answers reads of its keys only after READONLY; a master empties itself (a replica follows).
      await admin.call('READONLY').catch(() => {});
      await admin.flushall().catch(() => {});
      await admin.config('SET', 'notify-keyspace-events', 'KEA');
      await admin.config('SET', 'slowlog-log-slower-than', '0');
      await admin.config('SET', 'slowlog-max-len', '1000000');
      await admin.slowlog('RESET');
    }
    const monitors = await Promise.all(servers.map((s) => RawStream.open(s, ['MONITOR'], (r) => r.startsWith('+OK'))));
    const subscribers = await Promise.all(servers.map((s) => RawStream.open(s, ['PSUBSCRIBE', '__key*__:*'], (r) => r.includes('psubscribe'))));
    return new Recorder(admins, monitors, subscribers);
  }

  /**
   * Every key of every server: its name, and its content read per type
   * (GET, ZRANGE, else DUMP); and the RDB file a SAVE writes now, without
   * LZF compression, which could hide a string from the search.
   */
  async snapshot(): Promise<void> {
    const found = this.sources['key names and values'];
    for (const admin of this.admins) {
      // One server at a time: the nodes of a local cluster share their dir.
      const [, dir] = (await admin.config('GET', 'dir')) as [string, string];
      const [, file] = (await admin.config('GET', 'dbfilename')) as [string, string];
      if (resolve(dir) === process.cwd()) throw new Error('the server saves into the working tree: start it with --dir <a temp dir>');
      await admin.config('SET', 'rdbcompression', 'no');
      await admin.save();
      this.sources['RDB file'].push(await readFile(join(dir, file)));
      await rm(join(dir, file));
      for (const key of await allKeys(admin, '*')) {
        found.push(Buffer.from(key));
        const type = await admin.type(key);
        if (type === 'string') found.push((await admin.getBuffer(key)) ?? Buffer.alloc(0));
        else if (type === 'zset') found.push(...(await admin.zrangeBuffer(key, '0', '-1', 'WITHSCORES')));
        else if (type !== 'none') found.push((await admin.dumpBuffer(key)) ?? Buffer.alloc(0));
      }
    }
  }

  /** What the operator CLI prints for `args`, run against the first server. */
  async cli(servers: readonly ServerAddress[], prefix: string, ...args: string[]): Promise<void> {
    const run = await runCli(['--url', `redis://${servers[0]!.host}:${servers[0]!.port}`, '--prefix', prefix, ...args]);
    this.sources['CLI output'].push(Buffer.from(run.stdout), Buffer.from(run.stderr));
    if (run.code !== 0) this.cliFailures.push(`${args.join(' ')}: exit ${run.code} ${run.stderr}`);
  }

  /** What the application saw: results and event payloads. */
  api(value: unknown): void {
    this.sources['API results and events'].push(
      Buffer.from(JSON.stringify(value, (_, v: unknown) => (v instanceof Map ? [...v] : v)) ?? 'undefined'),
    );
  }

  /** Stops recording; SLOWLOG is read last, with every command logged so far. */
  async stop(): Promise<Sources> {
    this.sources.MONITOR.push(...this.monitors.flatMap((m) => m.close()));
    this.sources['keyspace notifications'].push(...this.subscribers.flatMap((s) => s.close()));
    for (const admin of this.admins) {
      const entries = (await admin.callBuffer('SLOWLOG', 'GET', '-1')) as unknown[];
      this.sources.SLOWLOG.push(...flatten(entries));
    }
    this.close();
    return this.sources;
  }

  /** Closes every connection (also after a failed workload); idempotent. */
  close(): void {
    for (const stream of [...this.monitors, ...this.subscribers]) stream.close();
    for (const admin of this.admins) admin.disconnect();
  }
}

function flatten(value: unknown): Buffer[] {
  if (Buffer.isBuffer(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(flatten);
  return [Buffer.from(String(value))];
}

/** The secret part of a token: what must never be stored. */
export const secretOf = (token: string): string => token.slice(token.indexOf('.') + 1);

/** Where each token, its secret part, or the secret's raw bytes appear: "<source>: <what> of token #i". */
export function findSecrets(sources: Sources, tokens: readonly string[]): string[] {
  const found: string[] = [];
  for (const source of SOURCES) {
    const all = Buffer.concat(sources[source]);
    tokens.forEach((token, i) => {
      const secret = secretOf(token);
      if (all.includes(token)) found.push(`${source}: the whole token #${i}`);
      else if (all.includes(secret)) found.push(`${source}: the secret of token #${i}`);
      if (all.includes(Buffer.from(secret, 'base64url'))) found.push(`${source}: the secret's raw bytes, token #${i}`);
    });
  }
  return found;
}

/** For each source, how many of `ids` appear in it: proof that the source recorded the workload at all. */
export function idsSeen(sources: Sources, ids: readonly string[]): Record<Source, number> {
  return Object.fromEntries(
    SOURCES.map((source) => {
      const all = Buffer.concat(sources[source]);
      return [source, ids.filter((id) => all.includes(id)).length];
    }),
  ) as Record<Source, number>;
}

export interface WorkloadContext {
  storage: UserSessionRedisStorage<{ device: string }>;
  recorder: Recorder;
  servers: readonly ServerAddress[];
  prefix: string;
  /**
   * The session id the application stores for a token. Right: the hash
   * parseSessionToken gives. The control's mistake: the secret itself.
   */
  idOf(token: string): string;
}

/**
 * A login system's life with tokens from createSessionToken: logins on
 * several devices, authenticated requests (readAndTouch, read, touch,
 * update), a session-id regeneration (rotate) and its retry, a replayed old
 * token (a reuse, revoking its family), a session that expires while
 * notifications are on, "your devices" (readAll with expiries, count, the
 * CLI's list and check, as tables and as JSON), "log out other devices",
 * "log out everywhere".
 * Returns every token issued and every session id used.
 */
export async function tokenWorkload(w: WorkloadContext): Promise<{ tokens: string[]; ids: string[] }> {
  const { storage, recorder } = w;
  const tokens: string[] = [];
  const ids: string[] = [];
  const login = async (subject: string, device: string, ttl = 600): Promise<string> => {
    const { token } = createSessionToken(subject);
    tokens.push(token);
    ids.push(w.idOf(token));
    await storage.insert(subject, w.idOf(token), { device }, ttl);
    return token;
  };
  /** What a request carries: the token only. */
  const from = (token: string): { subject: string; sessionId: string } => ({ subject: parseSessionToken(token)!.subject, sessionId: w.idOf(token) });
  // Each CLI run is a process of its own (seconds): the commands that show sessions, once each.
  const cli = async (...args: string[]): Promise<void> => recorder.cli(w.servers, w.prefix, ...args);

  const laptop = await login('alice', 'laptop');
  const phone = await login('alice', 'phone');
  const tablet = await login('alice', 'tablet');
  const bobs = await login('bob', 'desktop');
  for (const token of [laptop, phone, tablet, bobs]) {
    const { subject, sessionId } = from(token);
    recorder.api(await storage.readAndTouch(subject, sessionId, 600, { minRemainingSeconds: 60 }));
    recorder.api(await storage.readAndTouch(subject, sessionId, 900));
    recorder.api(await storage.read(subject, sessionId));
    recorder.api(await storage.touch(subject, sessionId, 600));
    recorder.api(await storage.update(subject, sessionId, { device: `${subject}'s device` }));
  }
  // Session-id regeneration (a privilege change): the laptop gets a new token; the client retries once.
  const regenerated = createSessionToken('alice').token;
  tokens.push(regenerated);
  ids.push(w.idOf(regenerated));
  recorder.api(await storage.rotate('alice', from(laptop).sessionId, from(regenerated).sessionId, 600));
  recorder.api(await storage.rotate('alice', from(laptop).sessionId, from(regenerated).sessionId, 600));
  const phone2 = createSessionToken('alice').token;
  tokens.push(phone2);
  ids.push(w.idOf(phone2));
  recorder.api(await storage.rotate('alice', from(phone).sessionId, from(phone2).sessionId, 600, { device: 'phone, elevated' }));
  recorder.api(await storage.readAll('alice', { withExpiry: true }));
  recorder.api(await storage.readAll('bob'));
  recorder.api(await storage.count('alice'));
  await recorder.snapshot();
  await cli('list', 'alice');
  await cli('list', 'bob', '--json');
  await cli('check');
  // The laptop's old token, replayed: a reuse; its family (the regenerated session) is revoked.
  recorder.api(await storage.readAndTouch('alice', from(laptop).sessionId, 600));
  recorder.api(await storage.read('alice', from(regenerated).sessionId));
  // A session that expires while notifications are on.
  const expired = new Promise<void>((resolve) => {
    const listener = (e: { sessionId: string }): void => {
      if (e.sessionId !== w.idOf(shortLived)) return;
      storage.off('expired', listener);
      resolve();
    };
    storage.on('expired', listener);
  });
  const shortLived = await login('alice', 'kiosk', 1);
  await recorder.snapshot();
  await Promise.race([expired, new Promise((_, reject) => setTimeout(() => reject(new Error('no expired event within 10 s')), 10_000))]);
  recorder.api(await storage.readAll('alice', { withExpiry: true }));
  // "Log out other devices" from the tablet, then bob everywhere.
  recorder.api(await storage.deleteOthers('alice', from(tablet).sessionId));
  recorder.api(await storage.deleteAll('bob'));
  await recorder.snapshot();
  await cli('list', 'alice', '--json');
  await cli('check', '--json');
  recorder.api(await storage.deleteAll('alice'));
  return { tokens, ids };
}

/**
 * Empties the servers, records them while {@link tokenWorkload} runs on a
 * storage of `prefix` over `client` (every event it emits recorded too), and
 * returns what was recorded with the tokens and ids the workload used.
 */
export async function recordWorkload(options: {
  servers: readonly ServerAddress[];
  client: Redis | Cluster;
  prefix: string;
  idOf(token: string): string;
}): Promise<{ sources: Sources; tokens: string[]; ids: string[]; cliFailures: string[] }> {
  const { servers, client, prefix, idOf } = options;
  const recorder = await Recorder.start(servers);
  const storage = await UserSessionRedisStorage.create<{ device: string }>({ client, keyPrefix: prefix });
  for (const reason of ['expired', 'evicted', 'deleted', 'rotated', 'reused'] as const) storage.on(reason, (e) => recorder.api({ reason, ...e }));
  try {
    const { tokens, ids } = await tokenWorkload({ storage, recorder, servers, prefix, idOf });
    return { sources: await recorder.stop(), tokens, ids, cliFailures: recorder.cliFailures };
  } finally {
    recorder.close();
    await storage.close();
  }
}

/** Where the no-secret tests run: the servers to record and a client for the storage. */
export interface RecordedDeployment {
  servers(): readonly ServerAddress[];
  client(): Promise<Redis | Cluster>;
}

/**
 * The no-secret test and its control, for one deployment (single node,
 * cluster). The control runs the same workload with the mistake the issue
 * describes (the secret itself as the session id): every source must then
 * find the secrets, which shows the search works on each of them.
 */
export function defineNoSecretTests(test: TestFn, deployment: RecordedDeployment, titleSuffix = ''): void {
  test.serial(
    `no token, secret or secret bytes in any key, value, RDB file, notification, MONITOR line, SLOWLOG entry, CLI output or API result${titleSuffix}`,
    async (t) => {
      const { sources, tokens, ids, cliFailures } = await recordWorkload({
        servers: deployment.servers(),
        client: await deployment.client(),
        prefix: 'sess',
        idOf: (token) => parseSessionToken(token)!.sessionId,
      });
      t.is(tokens.length, 7);
      t.deepEqual(cliFailures, []);
      t.deepEqual(findSecrets(sources, tokens), []);
      // Not vacuous: every source recorded the workload (the session ids, which are safe to show, are there).
      const seen = idsSeen(sources, ids);
      t.log(`session ids seen per source (of ${ids.length}): ${JSON.stringify(seen)}`);
      t.is(seen.MONITOR, ids.length, 'MONITOR saw every session');
      for (const source of SOURCES) t.true(seen[source] > 0, `${source} recorded the workload`);
      t.true(Buffer.concat(sources['keyspace notifications']).includes(':expired'), 'the expiry was published');
      t.true(Buffer.concat(sources['key names and values']).includes(':r:'), 'the snapshots saw rotation markers');
    },
  );

  test.serial(`control: the same workload storing the secret itself as the session id is found in every source${titleSuffix}`, async (t) => {
    const { sources, tokens } = await recordWorkload({
      servers: deployment.servers(),
      client: await deployment.client(),
      prefix: 'sess',
      idOf: secretOf,
    });
    const found = findSecrets(sources, tokens);
    t.log(`found: ${SOURCES.map((source) => `${source} ${found.filter((f) => f.startsWith(`${source}:`)).length}`).join(', ')}`);
    for (const source of SOURCES)
      t.true(
        found.some((f) => f.startsWith(`${source}:`)),
        `${source} found a secret: ${found.join('; ')}`,
      );
  });
}
