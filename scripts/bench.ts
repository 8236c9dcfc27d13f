/**
 * `npm run bench`: measures the storage against raw SET/GET and the
 * MULTI+LIST design it replaces, on an embedded redis-server or on --redis.
 * See README.md, Performance. Exits 1 if any result was wrong.
 */
import { writeFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import os from 'node:os';
import { parseBenchArgs, type BenchOptions } from './bench/args.js';
import { runClusterScaling, scalingTables } from './bench/cluster-scaling.js';
import { workingSet } from './bench/plan.js';
import { progressBar } from './bench/progress.js';
import { reportTables } from './bench/report.js';
import { runBench } from './bench/run-bench.js';
import { renderMarkdown, renderText } from './bench/table.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  if (options.cluster) return clusterBench(options);
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

/** `--cluster`: the storage operations on one redis-server and on a local cluster, side by side. */
async function clusterBench(options: BenchOptions): Promise<number> {
  const report = await runClusterScaling(options, progressBar(options.progress));
  const cpus = os.cpus();
  const header = `${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), Node ${process.version}, concurrency ${options.concurrency}, codec ${options.codec}, ${options.ops} ops per case, ${workingSet(options)}, median of ${options.rounds} interleaved rounds; one client process; the cluster's 6 redis-servers share the machine's CPUs with it`;
  const tables = scalingTables(report, options.concurrency);
  console.log([header, ...tables.map(options.markdown ? renderMarkdown : renderText)].join('\n\n'));
  if (options.jsonFile) writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (report.failures.length > 0) {
    console.error(`\nVERIFICATION FAILED: these numbers are not results.`);
    for (const f of report.failures) console.error(`  ${f}`);
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
