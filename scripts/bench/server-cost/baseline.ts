import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchCodecName } from '../codecs.js';
import type { Table } from '../table.js';
import { kilo } from './report.js';
import type { ServerCostReport } from './run-server-cost.js';

/** The committed figures the CI gate compares with (test/bench/server-cost.test.ts). */
export const BASELINE_FILE = fileURLToPath(new URL('../../../test/bench/server-cost-baseline.json', import.meta.url));

/** How a count may rise above its baseline before the gate fails: counts are deterministic for one build, so this is change, not noise. */
export const TOLERANCE = 0.1;

export const REWRITE_COMMAND = 'npm run bench -- --server-cost --write-baseline';

export interface ServerCostBaseline {
  about: string;
  redis: { version: string; buildId: string };
  calls: number;
  sessionsPerSubject: number;
  codec: BenchCodecName;
  /** Instructions per call by operation: the gated figures. */
  storage: Record<string, number>;
  /** For the reader: the floor and the peer of each operation, and the anchors, of the same run. */
  floor: Record<string, number>;
  peer: Record<string, number>;
  anchors: Record<string, number>;
}

export function baselineOf(r: ServerCostReport): ServerCostBaseline {
  const byOp = (figure: (row: ServerCostReport['rows'][number]) => number): Record<string, number> =>
    Object.fromEntries(r.rows.map((row) => [row.op, figure(row)]));
  return {
    about: `Redis instructions per call of each storage operation; the test fails when one rises more than ${TOLERANCE * 100}% above this. Rewrite with: ${REWRITE_COMMAND}`,
    redis: r.redis,
    calls: r.calls,
    sessionsPerSubject: r.sessionsPerSubject,
    codec: r.codec,
    storage: byOp((row) => row.storage),
    floor: byOp((row) => row.floor),
    peer: byOp((row) => row.peer.instructions),
    anchors: Object.fromEntries(r.anchors.map((a) => [a.name, a.instructions])),
  };
}

export function readBaseline(file = BASELINE_FILE): ServerCostBaseline {
  return JSON.parse(readFileSync(file, 'utf8')) as ServerCostBaseline;
}

export function writeBaseline(r: ServerCostReport, file = BASELINE_FILE): void {
  writeFileSync(file, `${JSON.stringify(baselineOf(r), null, 2)}\n`);
}

/** Why a baseline cannot judge a run of this Redis build, or undefined when it can. */
export function otherBuild(b: ServerCostBaseline, redis: { version: string; buildId: string }): string | undefined {
  if (b.redis.version === redis.version && b.redis.buildId === redis.buildId) return undefined;
  return `the baseline was counted on redis ${b.redis.version} build ${b.redis.buildId}, this is redis ${redis.version} build ${redis.buildId}: instruction counts differ between builds`;
}

/** Each operation that costs more than the baseline allows, or has no baseline; empty when the run passes. */
export function regressions(b: ServerCostBaseline, r: ServerCostReport, tolerance = TOLERANCE): string[] {
  const found: string[] = [];
  for (const row of r.rows) {
    const base = b.storage[row.op];
    if (base === undefined) {
      found.push(`${row.op}: no baseline figure; count it with ${REWRITE_COMMAND}`);
    } else if (row.storage > base * (1 + tolerance)) {
      const rise = ((row.storage / base - 1) * 100).toFixed(1);
      found.push(`${row.op}: ${kilo(row.storage)} instructions per call, ${rise}% above the baseline's ${kilo(base)} (at most ${tolerance * 100}%)`);
    }
  }
  return found;
}

/** The run beside the baseline, for the gate's log. */
export function comparisonTable(b: ServerCostBaseline, r: ServerCostReport): Table {
  return {
    title: `Server cost against ${BASELINE_FILE.replace(/.*\/test\//, 'test/')}`,
    head: ['operation', 'baseline', 'now', 'change'],
    rows: r.rows.map((row) => {
      const base = b.storage[row.op];
      return [
        row.op,
        base === undefined ? '-' : kilo(base),
        kilo(row.storage),
        base === undefined ? 'new' : `${((row.storage / base - 1) * 100).toFixed(1)}%`,
      ];
    }),
    right: [false, true, true, true],
  };
}
