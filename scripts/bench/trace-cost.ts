import { traceOperation } from '../../src/observability/operation-metrics.js';
import { clientCpuMicros } from './cpu.js';
import { median } from './median.js';
import { attachSubscriber, type MetricsSubscriber } from './metrics-subscribers.js';

const REPEATS = 5;

/** CPU ns of the main thread per call of `n` awaited calls, each made by `call`: not wall time, which other tenants of the machine stretch. */
async function nsPerCall(n: number, call: () => Promise<unknown>): Promise<number> {
  const started = clientCpuMicros();
  for (let i = 0; i < n; i++) await call();
  return ((clientCpuMicros() - started) * 1000) / n;
}

/**
 * What the tracing adds to one call, in CPU ns, with no Redis behind it: a call
 * that returns a settled promise, made directly and through the storage's
 * traceOperation (as the facade makes it, closure included) with `kind`
 * subscribed. The median of {@link REPEATS} alternated pairs: a figure the
 * ops/s of a real case is too noisy to show for the unsubscribed path.
 */
export async function traceCostNs(kind: MetricsSubscriber, iterations: number): Promise<number> {
  const settled = Promise.resolve(true);
  const run = (_trace: unknown): Promise<boolean> => settled;
  const detach = attachSubscriber(kind);
  try {
    const added: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const direct = await nsPerCall(iterations, () => run(undefined));
      const traced = await nsPerCall(iterations, () => traceOperation('read', 'bench', 'user', (trace) => run(trace)));
      added.push(traced - direct);
    }
    return median(added);
  } finally {
    detach();
  }
}
