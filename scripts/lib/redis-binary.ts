import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Names the redis-server that the tests, the local cluster and the bench start (any server binary: another Redis, Valkey). */
export const REDIS_SERVER_BIN = 'REDIS_SERVER_BIN';
/** Names the redis-cli that builds the local cluster (`--cluster create`) and reshards it in the tests. */
export const REDIS_CLI_BIN = 'REDIS_CLI_BIN';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `variable`'s value, which must name an executable file: a typo must not silently test another binary. */
function fromEnv(variable: string): string | undefined {
  const path = process.env[variable];
  if (!path) return undefined;
  if (!executable(path)) throw new Error(`${variable}=${path} is not an executable file: point it at a server binary, or unset it`);
  return path;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The `redis-server` to start: `REDIS_SERVER_BIN`, else
 * redis-memory-server's own `REDISMS_SYSTEM_BINARY`, else the one on PATH
 * (Debian's package), so that redis-memory-server never tries to download
 * one. Undefined when there is none: redis-memory-server then falls back to
 * its own cached build.
 */
export function systemRedisServer(): string | undefined {
  return fromEnv(REDIS_SERVER_BIN) ?? fromEnv('REDISMS_SYSTEM_BINARY') ?? onPath('redis-server');
}

/** The `redis-cli` to run: `REDIS_CLI_BIN`, else the one on PATH. */
export function redisCli(): string {
  return fromEnv(REDIS_CLI_BIN) ?? 'redis-cli';
}

/** What `--version` of the redis-server that would be started says, with its path: for a test run's log. */
export function redisServerVersion(): string {
  const binary = systemRedisServer();
  if (!binary) return 'no redis-server on PATH (set REDIS_SERVER_BIN)';
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return `${binary}: ${(run.stdout || run.stderr || `exit code ${run.status}`).trim()}`;
}
