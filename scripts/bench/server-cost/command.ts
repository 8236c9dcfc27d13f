import { writeFileSync } from 'node:fs';
import type { BenchOptions } from '../args.js';
import { renderMarkdown, renderText } from '../table.js';
import { BASELINE_FILE, writeBaseline } from './baseline.js';
import { hasValgrind } from './callgrind-server.js';
import { serverCostHeader, serverCostTables } from './report.js';
import { runServerCost } from './run-server-cost.js';

/** `npm run bench -- --server-cost`: prints the tables; exit status 1 on a wrong result or a floor that made other calls. */
export async function serverCostCommand(options: BenchOptions, size: NonNullable<BenchOptions['serverCost']>): Promise<number> {
  if (!(await hasValgrind())) {
    console.error('--server-cost needs valgrind (valgrind and callgrind_control on PATH); Debian: apt-get install valgrind');
    return 1;
  }
  const started = Date.now();
  const report = await runServerCost({
    calls: size.calls,
    sessionsPerSubject: options.sessionsPerSubject,
    codec: options.codec,
    metaPadBytes: options.metaPadBytes,
    onStep: options.progress ? (what) => process.stderr.write(`server cost: ${what}\n`) : undefined,
  });
  const render = options.markdown ? renderMarkdown : renderText;
  console.log([serverCostHeader(report), ...serverCostTables(report).map(render)].join('\n\n'));
  if (options.progress) process.stderr.write(`server cost: ${Math.round((Date.now() - started) / 1000)} s\n`);
  if (options.jsonFile) writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (report.problems.length > 0) {
    console.error(`\nPROBLEMS: these numbers are not results.`);
    for (const p of report.problems) console.error(`  ${p}`);
    return 1;
  }
  if (size.writeBaseline) {
    writeBaseline(report);
    console.error(`\nwrote ${BASELINE_FILE}`);
  }
  return 0;
}
