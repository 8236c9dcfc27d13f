import type { BenchOptions } from './args.js';
import { codecCosts } from './codecs.js';
import { BenchContext } from './context.js';
import { growthSample, insertGrowth } from './insert-growth.js';
import { mergeRounds } from './rounds.js';
import { memoryPerSession } from './memory.js';
import { planCases } from './plan.js';
import { progressBar } from './progress.js';
import { info } from './redis-info.js';
import type { BenchReport } from './report.js';
import { runCase, type CaseResult } from './run-case.js';
import { openServer } from './server.js';
import { machineOf } from './machine.js';

/** Sessions inserted for the memory figure (fewer when --ops is smaller). */
const MEMORY_SESSIONS = 10_000;

/** The whole run: server, every case (the fan-out curve with --extended), insert growth (--extended), memory, codecs. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const server = await openServer(options.redisUrl);
  const cases = planCases(options);
  const progress = progressBar(options.progress);
  const ctx = new BenchContext(options, server.url, server.embedded, progress);
  try {
    const redis = (await info(ctx.admin, 'server')).get('redis_version') ?? 'unknown';
    const clients = { false: ctx.client(false), true: ctx.client(true) };
    const growthOps = options.extended
      ? options.insertSteps.at(-1)! + options.insertSteps.reduce((n, step) => n + growthSample(options.ops, step), 0)
      : 0;
    progress.start(cases.reduce((n, c) => n + c.ops, 0) + growthOps);

    const runs: CaseResult[] = [];
    for (const spec of cases) {
      progress.step(
        `${spec.group} ${spec.store} ${spec.operation}${spec.group === 'fan-out' ? ` x${spec.perSubject}` : ''}${spec.autoPipelining ? ' (auto-pipelining)' : ''}`,
      );
      runs.push(await runCase(ctx, clients[`${spec.autoPipelining}`], spec));
    }
    const results = mergeRounds(runs);
    const growth = options.extended ? await insertGrowth(ctx) : undefined;
    const memory = await memoryPerSession(ctx, Math.min(options.ops, MEMORY_SESSIONS));
    progress.step('codecs');
    const codecs = codecCosts(options.codecIterations, options.metaPadBytes);
    progress.stop();

    const failures = [
      ...results
        .filter((c) => c.verification.failed > 0)
        .map((c) => `${c.store} ${c.operation} x${c.perSubject}: ${c.verification.failed} wrong, first: ${c.verification.firstFailure}`),
      ...(growth?.failed ? [`insert growth: ${growth.failed} wrong, first: ${growth.firstFailure}`] : []),
    ];
    return {
      machine: machineOf(redis, server.embedded),
      options,
      cases: results,
      growth,
      memory,
      codecs,
      verification: { failed: results.reduce((n, c) => n + c.verification.failed, 0) + (growth?.failed ?? 0), failures },
    };
  } finally {
    progress.stop();
    await ctx.close();
    await server.stop();
  }
}
