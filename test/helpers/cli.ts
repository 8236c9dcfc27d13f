import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = join(root, 'src', 'cli', 'main.ts');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `user-sessions` from the sources (through tsx) as a separate process, the way an operator runs it. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI with --json and parses its output. */
export async function runCliJson<T>(args: string[]): Promise<CliRun & { json: T }> {
  const run = await runCli([...args, '--json']);
  let json: T;
  try {
    json = JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`user-sessions ${args.join(' ')} printed no JSON (exit ${run.code}): ${run.stdout}${run.stderr}`);
  }
  return { ...run, json };
}
