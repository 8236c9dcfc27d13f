import type { CodecCost } from './codecs.js';
import { throughputRatio } from './rounds.js';
import type { InsertGrowth } from './insert-growth.js';
import type { OperationName, StoreKind } from './operations.js';
import type { CaseResult } from './run-case.js';

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** Which baseline each storage operation is compared with in the core table (issue 3). */
export const BASELINES: Partial<Record<OperationName, { store: StoreKind; operation: OperationName; min?: number }[]>> = {
  insert: [
    { store: 'raw', operation: 'insert', min: 0.85 },
    { store: 'reference', operation: 'insert', min: 3 },
  ],
  read: [{ store: 'raw', operation: 'read', min: 0.9 }],
  touch: [{ store: 'raw', operation: 'insert', min: 0.85 }],
  update: [{ store: 'raw', operation: 'insert', min: 0.85 }],
  delete: [{ store: 'raw', operation: 'insert', min: 0.85 }],
  readAll: [{ store: 'reference', operation: 'readAll', min: 1.5 }],
  deleteAll: [{ store: 'reference', operation: 'deleteAll' }],
  count: [{ store: 'reference', operation: 'count' }],
  mixed: [{ store: 'reference', operation: 'mixed' }],
};

export const baselineLabel = (b: { store: StoreKind; operation: OperationName }): string =>
  b.store === 'raw' ? (b.operation === 'read' ? 'raw GET' : 'raw SET PX') : `MULTI+LIST ${b.operation}`;

export function findCase(
  cases: CaseResult[],
  group: string,
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
export const usPerSession = (c: CaseResult): number => 1e6 / (c.measurement.opsPerSec * c.perSubject);

/** Server time of one session in a subject-level storage operation, µs (EVALSHA usec from INFO commandstats). */
export const serverUsPerSession = (c: CaseResult): number | undefined =>
  c.roundTrips.serverUsecPerOp === undefined ? undefined : c.roundTrips.serverUsecPerOp / c.perSubject;

/**
 * The highest ratio to the MULTI+LIST reference this run leaves room for,
 * where the client's CPU bounds it (both sides run one connection from one
 * event loop, and the loop's thread cannot run faster than its work):
 * - insert: no store outruns raw SET PX, which sends the same encoded value
 *   with one plain command, so the ceiling is raw SET's throughput over the
 *   reference's (the faster raw SET of the run, with or without
 *   auto-pipelining).
 * - readAll of P sessions: the client must at least do what one raw GET does
 *   (one command, one reply, one decode) and decode P - 1 more values, so
 *   the loop can finish at most 1e6 / (raw GET's client µs + (P - 1) x
 *   decode µs) of them per second.
 * Undefined when the run lacks a figure it needs.
 */
export function referenceCeiling(
  cases: CaseResult[],
  op: OperationName,
  ap: boolean,
  decodeNs: number | undefined,
): { ratio: number; why: string } | undefined {
  const ref = findCase(cases, 'core', 'reference', op, ap);
  if (!ref) return undefined;
  // The storage sends its scripts past ioredis's auto-pipelining (see
  // script-client.ts), so the floor is the better of the two modes' raw runs.
  const raws = (rawOp: OperationName): CaseResult[] => [false, true].flatMap((mode) => findCase(cases, 'core', 'raw', rawOp, mode) ?? []);
  if (op === 'insert') {
    const fastest = raws('insert').sort((a, b) => b.measurement.opsPerSec - a.measurement.opsPerSec)[0];
    return (
      fastest && { ratio: throughputRatio(fastest, ref), why: `raw SET PX${fastest.autoPipelining ? ' (auto-pipelined)' : ''} over the reference` }
    );
  }
  if (op !== 'readAll' || decodeNs === undefined) return undefined;
  const getUs = Math.min(...raws('read').map((c) => c.measurement.cpu.clientUsPerOp));
  if (!Number.isFinite(getUs)) return undefined;
  const floorUs = getUs + ((ref.perSubject - 1) * decodeNs) / 1000;
  return {
    ratio: 1e6 / floorUs / ref.measurement.opsPerSec,
    why: `client floor ${floorUs.toFixed(0)} µs: raw GET's ${getUs.toFixed(1)} + ${ref.perSubject - 1} decodes`,
  };
}

export function checkTargets(cases: CaseResult[], growth: InsertGrowth | undefined, fanOut: number[], codec: CodecCost | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const ap of [false, true]) {
    const mode = ap ? 'auto-pipelining' : 'no auto-pipelining';
    for (const [op, baselines] of Object.entries(BASELINES) as [OperationName, NonNullable<(typeof BASELINES)[OperationName]>][]) {
      const mine = findCase(cases, 'core', 'storage', op, ap);
      for (const b of baselines) {
        const base = findCase(cases, 'core', b.store, b.operation, ap);
        if (!mine || !base || b.min === undefined) continue;
        const ratio = throughputRatio(mine, base);
        const ceiling = b.store === 'reference' ? referenceCeiling(cases, op, ap, codec?.nsPerDecode) : undefined;
        checks.push({
          target: `${op} >= ${b.min}x ${baselineLabel(b)} (${mode})`,
          measured: `${ratio.toFixed(2)}x` + (ceiling ? ` (ceiling in this run ${ceiling.ratio.toFixed(2)}x: ${ceiling.why})` : ''),
          met: ratio >= b.min,
        });
      }
    }
  }
  const storageCases = cases.filter((c) => c.store === 'storage');
  const worst = Math.max(...storageCases.map((c) => c.roundTrips.roundTripsPerOp));
  const offenders = storageCases.filter((c) => c.roundTrips.roundTripsPerOp > 1.05 || c.roundTrips.commandsPerOp !== 1);
  checks.push({
    target: 'exactly 1 round trip (1 command) per storage operation',
    measured: offenders.length
      ? offenders.map((c) => `${c.operation}/${c.perSubject}: ${c.roundTrips.roundTripsPerOp} RT, ${c.roundTrips.commandsPerOp} cmds`).join('; ')
      : `max ${worst.toFixed(2)} RT/op, 1 command/op in ${storageCases.length} cases`,
    met: offenders.length === 0,
  });
  if (growth && growth.steps.length > 1) {
    const first = growth.steps[0]!;
    const last = growth.steps.at(-1)!;
    checks.push({
      target: `insert p50 flat within 20% from ${first.storedSessions.toLocaleString('en')} to ${last.storedSessions.toLocaleString('en')} stored sessions`,
      measured: `p50 max/min ${growth.p50Spread.toFixed(2)} (${growth.steps.map((s) => s.latency.p50.toFixed(3)).join(' / ')} ms)`,
      met: growth.p50Spread <= 1.2,
    });
    const server = growth.steps.map((s) => s.serverUsecPerInsert);
    const serverSpread = Math.max(...server) / Math.min(...server);
    checks.push({
      target: `insert server time flat within 20% over the same range`,
      measured: `max/min ${serverSpread.toFixed(2)} (${server.map((u) => u.toFixed(1)).join(' / ')} µs; raw SET at the same sizes ${growth.steps.map((s) => s.rawSetServerUsec.toFixed(1)).join(' / ')} µs)`,
      met: serverSpread <= 1.2,
    });
  }
  const big = fanOut.filter((p) => p >= 10);
  if (big.length >= 2) {
    const [a, b] = [big.at(-2)!, big.at(-1)!];
    for (const op of ['readAll', 'deleteAll'] as const) {
      const ca = findCase(cases, 'fan-out', 'storage', op, false, a);
      const cb = findCase(cases, 'fan-out', 'storage', op, false, b);
      if (!ca || !cb) continue;
      // The script's own cost (server time) is what must be linear; the
      // client's decode time is reported beside it but belongs to the codec.
      const sa = serverUsPerSession(ca) ?? NaN;
      const sb = serverUsPerSession(cb) ?? NaN;
      checks.push({
        target: `${op} linear: server time per session at ${b} sessions/subject <= 1.25x that at ${a}`,
        measured: `${sa.toFixed(2)} -> ${sb.toFixed(2)} server µs/session (${(sb / sa).toFixed(2)}x); end to end ${usPerSession(ca).toFixed(1)} -> ${usPerSession(cb).toFixed(1)} µs/session`,
        met: sb / sa <= 1.25,
      });
    }
  }
  return checks;
}
