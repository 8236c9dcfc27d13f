import type { BenchOptions } from './args.js';
import type { OperationName, StoreKind } from './operations.js';
import type { CaseSpec } from './run-case.js';

const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Math.floor(x)));

/**
 * Fewest measured and probed operations of a subject-level case. The
 * fan-out's server µs/session divides the probe's server time by the
 * sessions per subject; 10 probed calls at 1000 sessions are about 20 ms of
 * server time, which one burst of load from another tenant of the machine
 * can double.
 */
const MIN_SUBJECT_OPS = 50;

/** Subjects the read side of the core cases cycles over: --subjects, else enough for each session to be used about once. */
export function coreSubjects(o: BenchOptions): number {
  return o.subjects ?? Math.max(2, Math.floor(o.ops / o.sessionsPerSubject));
}

/** The working set, for a report's header line. */
export function workingSet(o: BenchOptions): string {
  return `read side ${coreSubjects(o).toLocaleString('en')} subjects x ${o.sessionsPerSubject} sessions`;
}

/** The cases of one run, in order. Subject-level operations get fewer ops as subjects grow, so each case costs about the same. */
export function planCases(o: BenchOptions): CaseSpec[] {
  const cases: CaseSpec[] = [];
  const add = (group: CaseSpec['group'], operation: OperationName, store: StoreKind, autoPipelining: boolean, perSubject: number): void => {
    const subjectLevel = operation === 'readAll' || operation === 'count' || operation === 'deleteAll';
    let ops = o.ops;
    // deleteAll needs a fresh subject per op (and its sessions prepared), so it gets fewer.
    if (operation === 'deleteAll') ops = clamp((o.ops * (group === 'fan-out' ? 3 : 1)) / perSubject, MIN_SUBJECT_OPS, o.ops);
    else if (operation === 'readAll') ops = clamp((o.ops * 4) / perSubject, MIN_SUBJECT_OPS, o.ops);
    const scale = ops / o.ops;
    cases.push({
      group,
      operation,
      store,
      autoPipelining,
      perSubject,
      ops,
      warmup: Math.ceil(o.warmup * scale),
      probeOps: subjectLevel ? Math.min(o.probeOps, Math.max(MIN_SUBJECT_OPS, Math.ceil(o.probeOps * scale))) : o.probeOps,
      // The fan-out curve keeps its own: preparing --subjects subjects of 1000 sessions would take minutes.
      subjects: group === 'core' ? coreSubjects(o) : Math.max(2, Math.floor(o.ops / perSubject)),
    });
  };
  // Rounds interleave every core case with its baselines, so a burst of load
  // from other tenants of the machine hits both sides of a ratio alike.
  for (let round = 0; round < o.rounds; round++)
    for (const ap of [false, true]) {
      const P = o.sessionsPerSubject;
      add('core', 'insert', 'raw', ap, P);
      add('core', 'read', 'raw', ap, P);
      for (const op of ['insert', 'read', 'readAll', 'touch', 'update', 'delete', 'deleteAll', 'count', 'mixed'] as const)
        add('core', op, 'storage', ap, P);
      for (const op of ['insert', 'readAll', 'deleteAll', 'count', 'mixed'] as const) add('core', op, 'reference', ap, P);
    }
  if (o.extended)
    for (const P of o.fanOut) {
      for (const op of ['readAll', 'deleteAll'] as const) {
        add('fan-out', op, 'storage', false, P);
        add('fan-out', op, 'reference', false, P);
      }
    }
  return cases;
}
