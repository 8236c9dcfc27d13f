import type { Table } from '../table.js';
import type { ServerCostReport } from './run-server-cost.js';

/** Instructions as the tables show them: 94.6k. */
export const kilo = (n: number): string => `${(n / 1000).toFixed(1)}k`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;

/** The line above the tables: what was measured, on which Redis build. */
export function serverCostHeader(r: ServerCostReport): string {
  return (
    `Redis instructions per call (valgrind --tool=callgrind), redis ${r.redis.version} build ${r.redis.buildId}, ` +
    `${r.calls} calls per batch one at a time after ${r.warmup} unmeasured, ${r.sessionsPerSubject} sessions per subject, ` +
    `codec ${r.codec}; counted: reading each request, running it, writing its reply (${r.machine.cpuModel}, Node ${r.machine.node})`
  );
}

/** The operations table and the anchors table. */
export function serverCostTables(r: ServerCostReport): Table[] {
  return [
    {
      title: 'Server cost per operation',
      head: ['operation', 'storage', 'floor', 'storage/floor', 'peer (not atomic)', 'peer', 'storage/peer'],
      rows: r.rows.map((row) => [
        row.label,
        kilo(row.storage),
        kilo(row.floor),
        ratio(row.storage, row.floor),
        row.peer.label,
        kilo(row.peer.instructions),
        ratio(row.storage, row.peer.instructions),
      ]),
      right: [false, true, true, true, false, true, true],
    },
    {
      title: 'Anchors',
      head: ['call', 'instructions/call'],
      rows: r.anchors.map((a) => [a.name, kilo(a.instructions)]),
      right: [false, true],
    },
  ];
}
