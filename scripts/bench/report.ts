import type { BenchOptions } from './args.js';
import { BASELINES, baselineLabel } from './baselines.js';
import type { CodecCost } from './codecs.js';
import type { InsertGrowth } from './insert-growth.js';
import type { MemoryUse } from './memory.js';
import type { OperationName, StoreKind } from './operations.js';
import { throughputRatio, type MergedCase } from './rounds.js';
import type { CaseResult } from './run-case.js';
import type { Table } from './table.js';
import type { Machine } from './machine.js';

/** Every figure of one run (what `--json` writes). */
export interface BenchReport {
  machine: Machine;
  options: BenchOptions;
  cases: MergedCase[];
  /** Insert as stored sessions grow; only with --extended. */
  growth: InsertGrowth | undefined;
  memory: MemoryUse[];
  codecs: CodecCost[];
  /** Wrong results anywhere in the run; a run with any is not a result. */
  verification: { failed: number; failures: string[] };
}

function findCase(
  cases: CaseResult[],
  group: CaseResult['group'],
  store: StoreKind,
  operation: OperationName,
  autoPipelining: boolean,
  perSubject?: number,
): CaseResult | undefined {
  return cases.find(
    (c) =>
      c.group === group &&
      c.store === store &&
      c.operation === operation &&
      c.autoPipelining === autoPipelining &&
      (perSubject === undefined || c.perSubject === perSubject),
  );
}

/** Cost of one session in a subject-level operation, µs (from throughput: client and server). */
const usPerSession = (c: CaseResult): number => 1e6 / (c.measurement.opsPerSec * c.perSubject);

/** Server time of one session in a subject-level storage operation, µs (EVALSHA usec from INFO commandstats). */
const serverUsPerSession = (c: CaseResult): number | undefined =>
  c.roundTrips.serverUsecPerOp === undefined ? undefined : c.roundTrips.serverUsecPerOp / c.perSubject;

const int = (n: number): string => Math.round(n).toLocaleString('en');
const ms = (n: number): string => n.toFixed(3);
const label = (c: CaseResult): string =>
  c.store === 'storage' ? 'storage' : c.store === 'raw' ? (c.operation === 'read' ? 'raw GET' : 'raw SET PX') : 'MULTI+LIST';

function coreTable(cases: CaseResult[], ap: boolean, concurrency: number): Table {
  const rows = cases
    .filter((c) => c.group === 'core' && c.autoPipelining === ap)
    .map((c) => {
      const ratios =
        c.store === 'storage'
          ? (BASELINES[c.operation] ?? [])
              .map((b) => {
                const base = findCase(cases, 'core', b.store, b.operation, ap);
                return base ? `${throughputRatio(c, base).toFixed(2)}x ${baselineLabel(b)}` : '';
              })
              .join(', ')
          : 'baseline';
      const op =
        c.operation === 'readAll' || c.operation === 'deleteAll' || c.operation === 'count' ? `${c.operation} (${c.perSubject})` : c.operation;
      const { p50, p99, p999 } = c.measurement.latency;
      const usec = c.roundTrips.serverUsecPerOp;
      const { clientUsPerOp, serverUsPerOp } = c.measurement.cpu;
      return [
        op,
        label(c),
        int(c.measurement.opsPerSec),
        ms(p50),
        ms(p99),
        ms(p999),
        c.roundTrips.roundTripsPerOp.toFixed(2),
        c.roundTrips.commandsPerOp.toFixed(2),
        usec === undefined ? '' : usec.toFixed(1),
        clientUsPerOp.toFixed(1),
        serverUsPerOp === undefined ? '' : serverUsPerOp.toFixed(1),
        ratios,
      ];
    });
  return {
    title: `Operations, ${ap ? 'with' : 'without'} enableAutoPipelining, concurrency ${concurrency}`,
    head: [
      'operation',
      'implementation',
      'ops/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'RT/op',
      'cmds/op',
      'server µs/op',
      'client CPU µs/op',
      'server CPU µs/op',
      'ratio',
    ],
    rows,
    right: [false, false, true, true, true, true, true, true, true, true, true, false],
  };
}

function fanOutTable(cases: CaseResult[], fanOut: number[]): Table {
  const rows: string[][] = [];
  for (const op of ['readAll', 'deleteAll'] as const) {
    for (const P of fanOut) {
      const mine = findCase(cases, 'fan-out', 'storage', op, false, P);
      const ref = findCase(cases, 'fan-out', 'reference', op, false, P);
      if (!mine || !ref) continue;
      rows.push([
        op,
        String(P),
        int(mine.measurement.opsPerSec),
        ms(mine.measurement.latency.p50),
        ms(mine.measurement.latency.p99),
        usPerSession(mine).toFixed(2),
        serverUsPerSession(mine)?.toFixed(2) ?? '',
        mine.roundTrips.roundTripsPerOp.toFixed(2),
        int(ref.measurement.opsPerSec),
        ref.roundTrips.roundTripsPerOp.toFixed(2),
        `${throughputRatio(mine, ref).toFixed(2)}x`,
      ]);
    }
  }
  return {
    title: 'readAll / deleteAll as sessions per subject grow (no auto-pipelining)',
    head: [
      'operation',
      'sessions/subject',
      'storage ops/s',
      'p50 ms',
      'p99 ms',
      'µs/session',
      'server µs/session',
      'RT/op',
      'MULTI+LIST ops/s',
      'its RT/op',
      'ratio',
    ],
    rows,
    right: [false, true, true, true, true, true, true, true, true, true, true],
  };
}

function growthTable(growth: InsertGrowth): Table {
  return {
    title: 'insert as stored sessions grow',
    head: ['stored sessions', 'ops/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'server µs/insert', 'raw SET server µs', 'Redis bytes/session'],
    rows: growth.steps.map((s) => [
      int(s.storedSessions) + (s.rehashSettled ? '' : ' (rehash not checked)'),
      int(s.opsPerSec),
      ms(s.latency.p50),
      ms(s.latency.p99),
      ms(s.latency.p999),
      s.serverUsecPerInsert.toFixed(1),
      s.rawSetServerUsec.toFixed(1),
      int(s.bytesPerSession),
    ]),
    right: [true, true, true, true, true, true, true, true],
  };
}

function memoryTable(memory: MemoryUse[]): Table {
  const names = { raw: 'raw SET PX', reference: 'MULTI+LIST', storage: 'storage' } as const;
  return {
    title: `Redis memory per stored session (INFO memory, ${memory[0] ? int(memory[0].sessions) : 0} sessions)`,
    head: ['implementation', 'bytes/session', 'encoded metadata bytes'],
    rows: memory.map((m) => [names[m.store], int(m.bytesPerSession), String(m.valueBytes)]),
    right: [false, true, true],
  };
}

function codecTable(codecs: CodecCost[]): Table {
  return {
    title: 'Codecs: one encode + decode of the default metadata',
    head: ['codec', 'ns per encode', 'ns per decode', 'ns per encode+decode', 'bytes'],
    rows: codecs.map((c) => [c.codec, int(c.nsPerEncode), int(c.nsPerDecode), int(c.nsPerEncode + c.nsPerDecode), String(c.bytes)]),
    right: [false, true, true, true, true],
  };
}

/** The run's tables, in the order they are printed. */
export function reportTables(r: BenchReport): Table[] {
  const tables = [coreTable(r.cases, false, r.options.concurrency), coreTable(r.cases, true, r.options.concurrency)];
  if (r.options.extended && r.options.fanOut.length) tables.push(fanOutTable(r.cases, r.options.fanOut));
  if (r.growth) tables.push(growthTable(r.growth));
  if (r.memory.length) tables.push(memoryTable(r.memory));
  tables.push(codecTable(r.codecs));
  return tables;
}
