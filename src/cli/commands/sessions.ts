import type { Codec } from '../../codec/codec.js';
import { msgpackCodec } from '../../codec/msgpack-codec.js';
import { ValueFormat } from '../../codec/value-format.js';
import { ErrorCode } from '../../errors/error-code.js';
import { UserSessionStorageError } from '../../errors/user-session-storage-error.js';
import { KeySchema } from '../../keys/key-schema.js';
import { CliError, type Target } from '../connection.js';
import { noKeysMessage, prefixHasKeys } from '../inspect/prefix-keys.js';
import { readSubjectValues } from '../inspect/subject-values.js';
import type { CommandOutput } from '../output.js';
import { truncate } from '../output.js';
import { withStorage } from './storage-session.js';

export interface SessionCommandOptions {
  target: Target;
  prefix: string;
  /** The codec of --codec; undefined: the library's default (MessagePack). */
  codec: Codec<unknown> | undefined;
}

interface ListedSession {
  sessionId: string;
  expiresAt: string;
  metaData: unknown;
  /** Why the value could not be decoded (metaData is then null). */
  undecodable?: string;
}

function metadataText(metaData: unknown): string {
  return JSON.stringify(metaData) ?? String(metaData);
}

/** A subject with no session: said plainly when the prefix has no key at all. */
async function prefixWarnings({ target, prefix }: SessionCommandOptions, empty: boolean): Promise<string[]> {
  if (!empty || (await prefixHasKeys(target.masters, new KeySchema(prefix)))) return [];
  return [noKeysMessage(prefix, target.masters.length)];
}

/**
 * `list <subject>`: the subject's live sessions, soonest to expire first.
 * Ids and expiries are shown whatever wrote the values; a value the codec
 * cannot decode is listed as undecodable, with the reason.
 */
export async function listSessions(options: SessionCommandOptions, subject: string): Promise<CommandOutput> {
  const format = new ValueFormat(options.codec ?? msgpackCodec());
  const stored = await readSubjectValues(options.target.client, new KeySchema(options.prefix), subject);
  const list: ListedSession[] = stored.map(({ sessionId, expiresAt, value }) => {
    const at = new Date(expiresAt).toISOString();
    try {
      return { sessionId, expiresAt: at, metaData: format.decode(value) };
    } catch (error) {
      if (!(error instanceof UserSessionStorageError) || error.code !== ErrorCode.VALUE_FORMAT_MISMATCH) throw error;
      return { sessionId, expiresAt: at, metaData: null, undecodable: error.message };
    }
  });
  const undecodable = list.filter((s) => s.undecodable !== undefined);
  const codecName = options.codec ? 'the codec of --codec' : 'the default MessagePack codec';
  return {
    json: { subject, sessions: list },
    head: ['SESSION ID', 'EXPIRES AT', 'METADATA'],
    rows: list.map((s) => [s.sessionId, s.expiresAt, s.undecodable === undefined ? truncate(metadataText(s.metaData)) : '(undecodable)']),
    notes: [
      `${list.length} live session${list.length === 1 ? '' : 's'} of ${JSON.stringify(subject)}`,
      ...(undecodable.length
        ? [
            `${undecodable.length} value${undecodable.length === 1 ? '' : 's'} undecodable by ${codecName} (${undecodable[0]!.undecodable}); ` +
              'pass the codec the storage writes with: --codec <module> (see docs/cli.md)',
          ]
        : []),
    ],
    warnings: await prefixWarnings(options, list.length === 0),
    exitCode: 0,
  };
}

/** `count <subject>`: the number of live sessions. */
export async function countSessions(options: SessionCommandOptions, subject: string): Promise<CommandOutput> {
  const { result: count } = await withStorage(options, (storage) => storage.count(subject));
  return {
    json: { subject, count },
    head: ['SUBJECT', 'LIVE SESSIONS'],
    rows: [[subject, count]],
    warnings: await prefixWarnings(options, count === 0),
    exitCode: 0,
  };
}

/**
 * `revoke <subject> [sessionId]`: ends one session, or all of the subject's.
 * Exit code 1 when a named session was not live, so that a typo is noticed.
 */
export async function revokeSessions(options: SessionCommandOptions, subject: string, sessionId?: string, keep?: string): Promise<CommandOutput> {
  if (sessionId !== undefined && keep !== undefined) {
    throw new CliError('give either a sessionId to revoke or --keep <sessionId> to revoke all the others, not both', 2);
  }
  const { ended } = await withStorage(options, (storage): Promise<unknown> =>
    keep !== undefined
      ? storage.deleteOthers(subject, keep)
      : sessionId === undefined
        ? storage.deleteAll(subject)
        : storage.delete(subject, sessionId),
  );
  const revoked = ended.filter((e) => e.reason === 'deleted').map((e) => e.sessionId);
  const missing = sessionId !== undefined && revoked.length === 0;
  return {
    json: { subject, revoked },
    head: ['SUBJECT', 'REVOKED SESSION ID'],
    rows: revoked.map((id) => [subject, id]),
    notes: [
      missing
        ? `no live session ${JSON.stringify(sessionId)} of ${JSON.stringify(subject)}: nothing revoked (see \`user-sessions list\`)`
        : `${revoked.length} session${revoked.length === 1 ? '' : 's'} revoked`,
    ],
    warnings: await prefixWarnings(options, revoked.length === 0),
    exitCode: missing ? 1 : 0,
  };
}
