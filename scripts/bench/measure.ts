import { clientCpuMicros } from './cpu.js';
import { latencyHistogram, summarize, type LatencySummary } from './latency.js';

export interface Measurement {
  ops: number;
  seconds: number;
  opsPerSec: number;
  latency: LatencySummary;
  /** CPU per measured operation, µs: the client's (main thread) and, when the spec can read it, the server's. */
  cpu: { clientUsPerOp: number; serverUsPerOp: number | undefined };
  /** Operations whose result was wrong (the checks are in operations.ts); must be 0. */
  failed: number;
  firstFailure: string | undefined;
}

export interface MeasureSpec {
  /** Indices [0, warmup) run first, unrecorded; [warmup, warmup + ops) are measured. */
  warmup: number;
  ops: number;
  concurrency: number;
  /** Runs operation i and says whether its result was right (a string explains a wrong one). */
  op: (i: number) => Promise<true | string>;
  onProgress?: (done: number) => void;
  /** The server's CPU time so far, µs (cpu.ts); read just before and after the measured operations. */
  serverCpu?: () => Promise<number>;
}

/**
 * Runs `concurrency` loops that each take the next index until all are done,
 * timing every operation into an HDR histogram (µs).
 */
export async function measure(spec: MeasureSpec): Promise<Measurement> {
  let failed = 0;
  let firstFailure: string | undefined;
  const check = (i: number, verdict: true | string): void => {
    if (verdict === true) return;
    failed++;
    firstFailure ??= `op #${i}: ${verdict}`;
  };
  await runPool(0, spec.warmup, spec.concurrency, async (i) => check(i, await spec.op(i)));

  const histogram = latencyHistogram();
  let done = 0;
  const serverBefore = await spec.serverCpu?.();
  const clientBefore = clientCpuMicros();
  const started = process.hrtime.bigint();
  await runPool(spec.warmup, spec.warmup + spec.ops, spec.concurrency, async (i) => {
    const t0 = process.hrtime.bigint();
    const verdict = await spec.op(i);
    histogram.recordValue(Math.max(1, Number((process.hrtime.bigint() - t0) / 1000n)));
    check(i, verdict);
    if (++done % 64 === 0) spec.onProgress?.(64);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const clientUs = clientCpuMicros() - clientBefore;
  const serverUs = serverBefore === undefined ? undefined : (await spec.serverCpu!()) - serverBefore;
  spec.onProgress?.(done % 64);
  const cpu = { clientUsPerOp: clientUs / spec.ops, serverUsPerOp: serverUs === undefined ? undefined : serverUs / spec.ops };
  return { ops: spec.ops, seconds, opsPerSec: spec.ops / seconds, latency: summarize(histogram), cpu, failed, firstFailure };
}

/** Calls fn(i) for every i in [from, to), at most `concurrency` at a time. */
export async function runPool(from: number, to: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(0, to - from)) }, worker));
}
