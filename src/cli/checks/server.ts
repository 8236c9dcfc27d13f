import type { Redis } from 'ioredis';
import { luaScripts } from '../../scripts/lua.generated.js';
import { scriptSha } from '../../scripts/script-runner.js';
import { missingFlags } from '../../subscriber/keyspace-events-config.js';
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
      detail: `cannot read it (${messageOf(error)}): storages need keyspaceEvents 'off', or allow CONFIG GET so that they can verify it`,
    };
  }
  const missing = missingFlags(current);
  return missing
    ? {
        code: 'keyspace-events',
        check: 'notify-keyspace-events',
        level: 'problem',
        detail:
          `is "${current}" and lacks "${missing}": expired and evicted sessions are not announced, so no 'expired'/'evicted' events ` +
          `are emitted until an operation prunes them. Storages with keyspaceEvents 'configure' set it when they connect; ` +
          `otherwise run CONFIG SET notify-keyspace-events ${current + missing} and put it in redis.conf`,
      }
    : { code: 'keyspace-events', check: 'notify-keyspace-events', level: 'ok', detail: `"${current}" announces expired and evicted keys` };
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
      detail: `cannot read it (${messageOf(error)}); make sure the server does not evict every kind of key`,
    };
  }
  const limited = maxmemory !== '0';
  if (!limited || policy === 'noeviction') {
    return {
      code: 'maxmemory-policy',
      check: 'maxmemory-policy',
      level: 'ok',
      detail: `${policy}${limited ? '' : ' (no maxmemory set: nothing is evicted)'}`,
    };
  }
  if (policy.startsWith('volatile-')) {
    return {
      code: 'maxmemory-policy',
      check: 'maxmemory-policy',
      level: 'ok',
      detail: `${policy} with maxmemory ${maxmemory}: under memory pressure sessions (all have a TTL) may be evicted, which logs their users out safely (reported as 'evicted')`,
    };
  }
  return {
    code: 'maxmemory-policy',
    check: 'maxmemory-policy',
    level: 'problem',
    detail:
      `${policy} with maxmemory ${maxmemory}: under memory pressure Redis may evict session values and whole session indexes, ` +
      'logging users out at random. Use noeviction (writes fail instead) or a volatile-* policy, as the README advises, and give sessions enough memory',
  };
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

/** SCAN sees one node only: in a cluster, the prefix check covers that node's keys alone. */
export async function checkTopology(client: Redis): Promise<Finding | undefined> {
  const info = (await client.info('cluster')) ?? '';
  if (infoField(info, 'cluster_enabled') !== '1') return undefined;
  return {
    code: 'topology',
    check: 'topology',
    level: 'warning',
    detail: 'this server is a cluster node: the index check saw only the keys of this node; run it against every primary',
  };
}
