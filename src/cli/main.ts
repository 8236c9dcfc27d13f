#!/usr/bin/env node
import { CommanderError } from 'commander';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import { CliError, messageOf } from './connection.js';
import { createProgram } from './program.js';

/** Exit codes: 0 success, 1 problems found or the operation failed, 2 bad usage. */
const program = createProgram({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  setExitCode: (code) => {
    process.exitCode = code;
  },
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and --version end with code 0; usage errors were already printed by commander.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof CliError || error instanceof UserSessionStorageError) {
    process.stderr.write(`user-sessions: ${error.message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } else {
    process.stderr.write(`user-sessions: unexpected failure: ${messageOf(error)}\n`);
    process.exitCode = 1;
  }
}
