import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Codec } from '../codec/codec.js';
import { loadCodec } from './codec-module.js';
import { checkServer } from './commands/check.js';
import { repairPrefix } from './commands/repair.js';
import { countSessions, listSessions, revokeSessions } from './commands/sessions.js';
import { connect, redisUrl, type Target } from './connection.js';
import { render, type CommandOutput } from './output.js';

interface GlobalOptions {
  url: string;
  prefix: string;
  codec?: string;
  json: boolean;
}

/** What a command works with: the connection, and the global options read. */
interface Context {
  target: Target;
  prefix: string;
  codec: Codec<unknown> | undefined;
}

/** Where a command's text and exit code go; main.ts passes the process's. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  setExitCode(code: number): void;
}

// package.json is two levels up both from src/cli/ and from dist/cli/.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

function nonEmpty(value: string): string {
  if (value.length === 0) throw new InvalidArgumentError('must not be empty');
  return value;
}

/**
 * The `user-sessions` command line. Each command opens its connections to
 * --url (to every master when it is a cluster node), does its work and
 * closes them; nothing runs in the background.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('user-sessions')
    .description("Inspect and repair user-session-redis-storage's sessions on a Redis server or Redis Cluster")
    .addOption(
      new Option('-u, --url <url>', 'Redis server URL (redis:// or rediss://); a cluster node reaches the whole cluster')
        .env('USER_SESSIONS_REDIS_URL')
        .default('redis://127.0.0.1:6379')
        .argParser(redisUrl),
    )
    .addOption(new Option('-p, --prefix <prefix>', 'keyPrefix of the storage').argParser(nonEmpty).default('sess'))
    .addOption(
      new Option('-c, --codec <module>', 'path of a module exporting the codec the storage writes with (default: MessagePack)').argParser(nonEmpty),
    )
    .option('--json', 'print JSON instead of a table', false)
    .version(version)
    // Subcommands copy this: each one's --help shows --url, --prefix, --codec and --json too.
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    // Subcommands inherit this: usage errors throw a CommanderError that main.ts turns into exit code 2.
    .exitOverride();

  const run = (command: Command, work: (context: Context) => Promise<CommandOutput>) => async () => {
    const options = command.optsWithGlobals<GlobalOptions>();
    // The codec first: a wrong --codec is a usage error, found before connecting.
    const codec = options.codec === undefined ? undefined : await loadCodec(options.codec);
    const target = await connect(options.url);
    try {
      const output = await work({ target, prefix: options.prefix, codec });
      io.out(render(output, options.json));
      for (const warning of output.warnings ?? []) io.err(`user-sessions: ${warning}`);
      io.setExitCode(output.exitCode);
    } finally {
      target.close();
    }
  };

  const list = program.command('list').description("list a subject's live sessions").argument('<subject>');
  list.action((subject: string) => run(list, (context) => listSessions(context, subject))());

  const count = program.command('count').description("count a subject's live sessions").argument('<subject>');
  count.action((subject: string) => run(count, (context) => countSessions(context, subject))());

  const revoke = program
    .command('revoke')
    .description('end one session of a subject, all of them, or all but one with --keep (exit code 1 if the named session was not live)')
    .argument('<subject>')
    .argument('[sessionId]')
    .option('--keep <sessionId>', 'end every session of the subject but this one ("log out other devices")');
  revoke.action((subject: string, sessionId: string | undefined, { keep }: { keep?: string }) =>
    run(revoke, (context) => revokeSessions(context, subject, sessionId, keep))(),
  );

  const check = program
    .command('check')
    .description(
      'verify the server or every master (version, keyspace events, eviction policy, scripts) and the index invariant of --prefix; ' +
        'exit code 1 on any problem, and when --prefix has no keys',
    );
  check.action(run(check, ({ target, prefix }) => checkServer(target, prefix)));

  const repair = program
    .command('repair')
    .description('remove stale index entries and orphan values of --prefix, on every master (uses SCAN, never KEYS)');
  repair.action(run(repair, ({ target, prefix, codec }) => repairPrefix(target, prefix, codec)));

  return program;
}
