import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { systemRedisServer } from '../../lib/redis-binary.js';

const run = promisify(execFile);

/**
 * Instructions are counted only inside these two functions of redis-server
 * (their names are in its dynamic symbol table, which Debian's stripped
 * binary keeps for its crash reports): reading and running a request
 * (readQueryFromClient -> processInputBuffer -> call) and writing the
 * replies, and the messages to subscribers, that the loop iteration queued
 * (handleClientsWithPendingWritesUsingThreads, from beforeSleep). Left out
 * is what the server does on its own clock: serverCron, active expiry,
 * incremental rehashing. Those run ten times a second whatever the
 * requests, so counting them would make a figure depend on how long the
 * batch took, that is on the machine's load.
 */
const COUNTED = ['readQueryFromClient', 'handleClientsWithPendingWritesUsingThreads'];

/** Whether `valgrind` and `vgdb` (Debian: the valgrind package) can be run. */
export async function hasValgrind(): Promise<boolean> {
  try {
    await run('valgrind', ['--version']);
    await run('vgdb', ['--help']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Version and build id of the redis-server the bench starts, from its
 * `--version` line (`v=7.0.15 ... build=ae4d7c971a948f0`): the same build
 * id INFO server reports as redis_build_id.
 */
export async function systemRedisBuild(): Promise<{ version: string; buildId: string }> {
  const { stdout } = await run(systemRedisServer() ?? 'redis-server', ['--version']);
  return { version: /\bv=(\S+)/.exec(stdout)?.[1] ?? 'unknown', buildId: /\bbuild=(\S+)/.exec(stdout)?.[1] ?? 'unknown' };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A redis-server of the bench's own, run under `valgrind --tool=callgrind`,
 * counting nothing until asked: `zero()` before a batch of calls and
 * `instructions()` after it give what the batch cost the server.
 */
export class CallgrindServer {
  private dumps = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  /** Starts the system redis-server (the one the tests use) under callgrind; `args` are redis-server options. */
  static async start(args: string[]): Promise<CallgrindServer> {
    const binary = systemRedisServer() ?? 'redis-server';
    const dir = mkdtempSync(join(tmpdir(), 'server-cost-'));
    const port = await freePort();
    const child = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        '--collect-atstart=no',
        ...COUNTED.map((f) => `--toggle-collect=${f}`),
        `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
        binary,
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        ...args,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
    // Killed with this process whatever happens (an ava timeout, Ctrl-C): never left running.
    const kill = (): void => void child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    const server = new CallgrindServer(child, dir, `redis://127.0.0.1:${port}`);
    try {
      await server.waitUntilReady(() => stderr);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Valgrind takes seconds to start redis-server (minutes on a loaded machine): PING until it answers. */
  private async waitUntilReady(stderr: () => string): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`redis-server under valgrind exited before answering:\n${stderr()}`);
      }
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server under valgrind did not answer within 2 minutes:\n${stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      } finally {
        probe.disconnect();
      }
    }
  }

  /**
   * Sends callgrind a monitor command through vgdb, as `callgrind_control
   * -z` / `-d` do, and returns once it is done. vgdb interrupts the server
   * (blocked in epoll_wait) after --max-invoke-ms; its default of 100 ms,
   * twice per batch, was a sixth of the CI gate's time.
   */
  private async monitor(command: 'zero' | 'dump'): Promise<void> {
    await run('vgdb', [`--pid=${this.child.pid}`, '--max-invoke-ms=1', command]);
  }

  /** Zeroes callgrind's counters: what runs from now on is counted. */
  async zero(): Promise<void> {
    await this.monitor('zero');
  }

  /** Instructions counted since `zero()`, read from the dump callgrind writes now (its `totals:` line). */
  async instructions(): Promise<number> {
    await this.monitor('dump');
    const file = join(this.dir, `callgrind.out.${++this.dumps}`);
    const text = readFileSync(file, 'utf8');
    rmSync(file);
    const match = /^(?:totals|summary): (\d+)/m.exec(text);
    if (!match) throw new Error(`${file} has no totals line`);
    return Number(match[1]);
  }

  /** Ends the server (callgrind writes a last, unread dump at exit) and removes its directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
