import type { Redis } from 'ioredis';
import { KeySchema } from '../../keys/key-schema.js';
import { checkIndexInvariant } from '../checks/index-invariant.js';
import { checkKeyspaceEvents, checkMaxmemoryPolicy, checkScripts, checkVersion } from '../checks/server.js';
import type { Target } from '../connection.js';
import type { Finding } from '../findings.js';
import type { CommandOutput } from '../output.js';

const serverChecks: ((server: Redis) => Promise<Finding>)[] = [checkVersion, checkKeyspaceEvents, checkMaxmemoryPolicy, checkScripts];

function nodeName(server: Redis): string {
  return `${server.options.host}:${server.options.port}`;
}

/**
 * One check run on every master. Masters that agree give one finding; where
 * they differ, each verdict names its masters.
 */
async function onEveryMaster(target: Target, check: (server: Redis) => Promise<Finding>): Promise<Finding[]> {
  const verdicts = await Promise.all(target.masters.map(async (server) => ({ node: nodeName(server), finding: await check(server) })));
  if (!target.cluster) return verdicts.map((v) => v.finding);
  const groups = new Map<string, { finding: Finding; nodes: string[] }>();
  for (const { node, finding } of verdicts) {
    const key = `${finding.level}\n${finding.detail}`;
    const group = groups.get(key);
    if (group) group.nodes.push(node);
    else groups.set(key, { finding, nodes: [node] });
  }
  return [...groups.values()].map(({ finding, nodes }) => ({
    ...finding,
    check: groups.size === 1 ? `${finding.check} (every master)` : `${finding.check} (${nodes.join(', ')})`,
    nodes,
  }));
}

/**
 * `check`: verifies the server (every master of a cluster) and the prefix's
 * keys; exit code 1 when any problem is found, a prefix without keys included.
 */
export async function checkServer(target: Target, prefix: string): Promise<CommandOutput> {
  const findings: Finding[] = [];
  for (const check of serverChecks) findings.push(...(await onEveryMaster(target, check)));
  if (target.cluster) {
    const nodes = target.masters.map(nodeName);
    findings.push({
      code: 'topology',
      check: 'topology',
      level: 'ok',
      detail: `Redis Cluster of ${nodes.length} masters (${nodes.join(', ')}): each was checked, and the index check scanned each`,
      nodes,
    });
  }
  findings.push(...(await checkIndexInvariant(target, new KeySchema(prefix))));
  const problems = findings.filter((f) => f.level === 'problem').length;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  return {
    json: { ok: problems === 0, problems, warnings, findings },
    head: ['CHECK', 'STATUS', 'DETAIL'],
    rows: findings.map((f) => [f.check, f.level.toUpperCase(), f.detail]),
    widths: [null, null, 80],
    notes: [
      problems === 0
        ? `no problems${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`
        : `${problems} problem${problems === 1 ? '' : 's'} found`,
    ],
    exitCode: problems === 0 ? 0 : 1,
  };
}
