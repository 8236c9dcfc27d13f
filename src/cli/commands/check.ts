import type { Redis } from 'ioredis';
import { KeySchema } from '../../keys/key-schema.js';
import { checkIndexInvariant } from '../checks/index-invariant.js';
import { checkKeyspaceEvents, checkMaxmemoryPolicy, checkScripts, checkTopology, checkVersion } from '../checks/server.js';
import type { Finding } from '../findings.js';
import type { CommandOutput } from '../output.js';

/** `check`: verifies the server and the prefix's keys; exit code 1 when any problem is found. */
export async function checkServer(client: Redis, prefix: string): Promise<CommandOutput> {
  const findings: Finding[] = [
    await checkVersion(client),
    await checkKeyspaceEvents(client),
    await checkMaxmemoryPolicy(client),
    await checkScripts(client),
  ];
  const topology = await checkTopology(client);
  if (topology) findings.push(topology);
  findings.push(...(await checkIndexInvariant(client, new KeySchema(prefix))));
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
