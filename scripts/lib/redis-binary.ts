import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The system `redis-server` (Debian's package), found on PATH, so that
 * redis-memory-server never tries to download one. Undefined when there is
 * none: redis-memory-server then falls back to its own cached build.
 */
export function systemRedisServer(): string | undefined {
  if (process.env.REDISMS_SYSTEM_BINARY) return process.env.REDISMS_SYSTEM_BINARY;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
