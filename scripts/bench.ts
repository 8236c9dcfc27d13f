/**
 * `npm run bench`: measures the storage against raw SET/GET and the
 * MULTI+LIST design it replaces, on an embedded redis-server or on --redis;
 * with --server-cost, Redis instructions per operation under callgrind;
 * with --stores, the express-session store against connect-redis.
 * See docs/performance.md. Exits 1 if any result was wrong.
 */
import { writeFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { parseBenchArgs, type BenchOptions } from './bench/args.js';
import { metricsTables, runMetricsBench } from './bench/metrics-overhead.js';
import { workingSet } from './bench/plan.js';
import { runStoreBench, storeTables } from './bench/express-stores/run-store-bench.js';
import { runStoreServerCost, storeCostTables } from './bench/express-stores/store-server-cost.js';
import { reportTables } from './bench/report.js';
import { runBench } from './bench/run-bench.js';
import { serverCostCommand } from './bench/server-cost/command.js';
import { renderMarkdown, renderText } from './bench/table.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  if (options.stores) return storesMain(options);
  if (options.serverCost) return serverCostCommand(options, options.serverCost);
  if (options.metrics) return metrics(options);
  const report = await runBench(options);
  const m = report.machine;
  const header = `${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, redis ${m.redis} (${m.server}), concurrency ${options.concurrency}, codec ${options.codec}, ${options.ops} ops per case, ${workingSet(options)}, median of ${options.rounds} interleaved rounds`;
  const tables = reportTables(report);
  if (options.markdown) console.log([header, ...tables.map(renderMarkdown)].join('\n\n'));
  else console.log([header, ...tables.map(renderText)].join('\n\n'));
  if (options.jsonFile) writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (report.verification.failed > 0) {
    console.error(`\nVERIFICATION FAILED: ${report.verification.failed} wrong results; these numbers are not results.`);
    for (const f of report.verification.failures) console.error(`  ${f}`);
    return 1;
  }
  return 0;
}

/** `--stores`: the express-session store against connect-redis instead of the storage's run (with --server-cost: instructions). */
async function storesMain(options: BenchOptions): Promise<number> {
  if (options.serverCost) {
    const cost = await runStoreServerCost(options.serverCost.calls, options.touchAfterSeconds);
    const tables = storeCostTables(cost);
    console.log(
      [`redis ${cost.redis.version} (build ${cost.redis.buildId})`, ...tables.map(options.markdown ? renderMarkdown : renderText)].join('\n\n'),
    );
    if (options.jsonFile) writeFileSync(options.jsonFile, `${JSON.stringify(cost, null, 2)}\n`);
    for (const f of cost.verification.failures) console.error(`  ${f}`);
    return cost.verification.failed > 0 ? 1 : 0;
  }
  const report = await runStoreBench(options);
  const m = report.machine;
  const header = `${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, redis ${m.redis} (${m.server}), median of ${options.rounds} rounds, the stores taking turns`;
  const tables = storeTables(report);
  console.log([header, ...tables.map(options.markdown ? renderMarkdown : renderText)].join('\n\n'));
  if (options.jsonFile) writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (report.verification.failed > 0) {
    console.error(`\nVERIFICATION FAILED: these numbers are not results.`);
    for (const f of report.verification.failures) console.error(`  ${f}`);
    return 1;
  }
  return 0;
}

async function metrics(options: BenchOptions): Promise<number> {
  const report = await runMetricsBench(options);
  const m = report.machine;
  const header = `${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, redis ${m.redis} (${m.server}), ${options.ops} ops per case, ${workingSet(options)}`;
  const render = options.markdown ? renderMarkdown : renderText;
  console.log([header, ...metricsTables(report).map(render)].join('\n\n'));
  if (options.jsonFile) writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (report.verification.failed > 0) {
    console.error(`\nVERIFICATION FAILED: ${report.verification.failures.join('; ')}; these numbers are not results.`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
