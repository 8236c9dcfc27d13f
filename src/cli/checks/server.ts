import type { Redis } from 'ioredis';
import { luaScripts } from '../../scripts/lua.generated.js';
import { scriptSha } from '../../scripts/script-runner.js';
import { missingFlags, REQUIRED_FLAGS } from '../../subscriber/keyspace-events-config.js';
import { messageOf } from '../connection.js';
import type { Finding } from '../findings.js';

/** Scripts read TIME before writing, which needs effects replication: the only mode since Redis 7.0 (see the README). */
const MIN_VERSION: [number, number] = [7, 0];

function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

async function configGet(client: Redis, name: string): Promise<string> {
  const reply = await client.config('GET', name);
  return reply[1] ?? '';
}

export async function checkVersion(client: Redis): Promise<Finding> {
  const info = (await client.info('server')) ?? '';
  const version = infoField(info, 'redis_version') ?? 'unknown';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const tooOld = major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1]);
  return tooOld
    ? {
        code: 'server-version',
        check: 'server version',
        level: 'problem',
        detail: `Redis ${version} is too old: the scripts need Redis ${MIN_VERSION.join('.')} or newer (they read the clock before writing); upgrade the server`,
      }
    : { code: 'server-version', check: 'server version', level: 'ok', detail: `Redis ${version}` };
}

/** CONFIG may be refused (ACL, managed Redis): that is reported, not thrown. */
export async function checkKeyspaceEvents(client: Redis): Promise<Finding> {
  let current: string;
  try {
    current = await configGet(client, 'notify-keyspace-events');
  } catch (error) {
    return {
      code: 'keyspace-events',
      check: 'notify-keyspace-events',
      level: 'warning',
      detail:
        `cannot read it (${messageOf(error)}): make sure it includes "${REQUIRED_FLAGS}". Storages with keyspaceEvents 'verify' ` +
        `check E, g and x themselves when they start, but not e (evicted): run this check with a user allowed CONFIG GET`,
    };
  }
  const missing = missingFlags(current);
  return missing
    ? {
        code: 'keyspace-events',
        check: 'notify-keyspace-events',
        level: 'problem',
        detail:
          `is "${current}" and lacks "${missing}" (${describeFlags(missing)}): those sessions' ends are not announced, so no ` +
          `'expired'/'evicted' events are emitted for them until an operation prunes them. Storages with keyspaceEvents 'configure' ` +
          `set it when they connect; otherwise run CONFIG SET notify-keyspace-events ${current + missing} and put it in redis.conf ` +
          `(on managed Redis: the service's parameters)`,
      }
    : {
        code: 'keyspace-events',
        check: 'notify-keyspace-events',
        level: 'ok',
        detail: `"${current}" announces expired, evicted and deleted keys`,
      };
}

const FLAG_MEANING: Record<string, string> = {
  E: 'no keyevent notification at all: the storage listens on the keyevent channels',
  g: 'values deleted from outside (DEL, UNLINK)',
  x: 'expired values',
  e: 'evicted values',
};

function describeFlags(flags: string): string {
  return [...flags].map((flag) => `${flag}: ${FLAG_MEANING[flag] ?? flag}`).join('; ');
}

/**
 * What each maxmemory-policy means for the events, as measured by
 * test/reliability/eviction-events.test.ts. Sessions fail closed under every
 * policy; what differs is whether a subject's index (which reports its
 * sessions' ends) can be evicted while sessions of it remain.
 */
function evictionFinding(policy: string, maxmemory: string): Finding {
  const finding = (level: Finding['level'], detail: string): Finding => ({ code: 'maxmemory-policy', check: 'maxmemory-policy', level, detail });
  const at = `${policy} with maxmemory ${maxmemory}`;
  const advice = 'Use noeviction (writes fail instead, nothing is lost) and give sessions enough memory';
  if (policy === 'noeviction') return finding('ok', `${at}: nothing is evicted; when memory is full, inserts fail with REDIS_ERROR (OOM)`);
  if (policy === 'volatile-ttl' || policy.endsWith('-lfu')) {
    const why =
      policy === 'volatile-ttl'
        ? 'Redis evicts the keys nearest their expiry first, and an index outlives its sessions'
        : 'every operation on a subject counts as a use of its index';
    return finding(
      'warning',
      `${at}: under memory pressure sessions are evicted (users logged out, reported as 'evicted'), mostly before their ` +
        `subject's index (${why}). Redis samples keys, so now and then an index may go first: the end of a session of that ` +
        `subject is then reported only if a read of that session comes first, or not at all. ${advice}`,
    );
  }
  return finding(
    'warning',
    `${at}: under memory pressure Redis evicts subjects' indexes as readily as sessions (users logged out): the ends of ` +
      `many sessions are then never reported, unless a read of that session comes first. ${advice}, or volatile-ttl ` +
      '(sessions are evicted before their index)',
  );
}

export async function checkMaxmemoryPolicy(client: Redis): Promise<Finding> {
  let policy: string;
  let maxmemory: string;
  try {
    [policy, maxmemory] = await Promise.all([configGet(client, 'maxmemory-policy'), configGet(client, 'maxmemory')]);
  } catch (error) {
    return {
      code: 'maxmemory-policy',
      check: 'maxmemory-policy',
      level: 'warning',
      detail: `cannot read it (${messageOf(error)}): use noeviction or volatile-ttl, the policies that do not evict a subject's index before its sessions (see the README)`,
    };
  }
  if (maxmemory === '0') {
    return { code: 'maxmemory-policy', check: 'maxmemory-policy', level: 'ok', detail: `${policy} (no maxmemory set: nothing is evicted)` };
  }
  return evictionFinding(policy, maxmemory);
}

/** SCRIPT LOAD compiles each script: a server that refuses scripting (ACL, disabled Lua) fails here. */
export async function checkScripts(client: Redis): Promise<Finding> {
  const failed: string[] = [];
  for (const script of Object.values(luaScripts)) {
    try {
      const sha = (await client.call('SCRIPT', 'LOAD', script.lua)) as string;
      if (sha !== scriptSha(script.name)) failed.push(`${script.name}: server returned SHA ${sha}, expected ${scriptSha(script.name)}`);
    } catch (error) {
      failed.push(`${script.name}: ${messageOf(error)}`);
    }
  }
  const total = Object.keys(luaScripts).length;
  return failed.length
    ? {
        code: 'scripts',
        check: 'scripts',
        level: 'problem',
        detail: `${failed.length} of ${total} scripts do not load (${failed.join('; ')}): every operation is a script, so the storage cannot work; allow SCRIPT LOAD and EVALSHA for this user`,
      }
    : { code: 'scripts', check: 'scripts', level: 'ok', detail: `all ${total} scripts load` };
}
