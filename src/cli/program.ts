import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Redis } from 'ioredis';
import { checkServer } from './commands/check.js';
import { repairPrefix } from './commands/repair.js';
import { countSessions, listSessions, revokeSessions } from './commands/sessions.js';
import { connect } from './connection.js';
import { render, type CommandOutput } from './output.js';

interface GlobalOptions {
  url: string;
  prefix: string;
  json: boolean;
}

/** Where a command's text and exit code go; main.ts passes the process's. */
export interface CliIo {
  out(text: string): void;
  setExitCode(code: number): void;
}

// package.json is two levels up both from src/cli/ and from dist/cli/.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

function nonEmpty(value: string): string {
  if (value.length === 0) throw new InvalidArgumentError('must not be empty');
  return value;
}

/**
 * The `user-sessions` command line. Each command opens one connection to
 * --url, does its work and closes it; nothing runs in the background.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('user-sessions')
    .description("Inspect and repair user-session-redis-storage's sessions on a Redis server")
    .addOption(new Option('-u, --url <url>', 'Redis server URL').env('USER_SESSIONS_REDIS_URL').default('redis://127.0.0.1:6379'))
    .addOption(new Option('-p, --prefix <prefix>', 'keyPrefix of the storage').argParser(nonEmpty).default('sess'))
    .option('--json', 'print JSON instead of a table', false)
    .version(version)
    .showHelpAfterError()
    // Subcommands inherit this: usage errors throw a CommanderError that main.ts turns into exit code 2.
    .exitOverride();

  const run = (command: Command, work: (client: Redis, options: GlobalOptions) => Promise<CommandOutput>) => async () => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const client = await connect(options.url);
    try {
      const output = await work(client, options);
      io.out(render(output, options.json));
      io.setExitCode(output.exitCode);
    } finally {
      client.disconnect();
    }
  };

  const list = program.command('list').description("list a subject's live sessions").argument('<subject>');
  list.action((subject: string) => run(list, (client, { prefix }) => listSessions({ client, prefix }, subject))());

  const count = program.command('count').description("count a subject's live sessions").argument('<subject>');
  count.action((subject: string) => run(count, (client, { prefix }) => countSessions({ client, prefix }, subject))());

  const revoke = program
    .command('revoke')
    .description('end one session of a subject, or all of them (exit code 1 if the named session was not live)')
    .argument('<subject>')
    .argument('[sessionId]');
  revoke.action((subject: string, sessionId: string | undefined) =>
    run(revoke, (client, { prefix }) => revokeSessions({ client, prefix }, subject, sessionId))(),
  );

  const check = program
    .command('check')
    .description(
      'verify the server (version, keyspace events, eviction policy, scripts) and the index invariant of --prefix; exit code 1 on any problem',
    );
  check.action(run(check, (client, { prefix }) => checkServer(client, prefix)));

  const repair = program.command('repair').description('remove stale index entries and orphan values of --prefix (uses SCAN, never KEYS)');
  repair.action(run(repair, (client, { prefix }) => repairPrefix(client, prefix)));

  return program;
}
