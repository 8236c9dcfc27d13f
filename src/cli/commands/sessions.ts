import type { Redis } from 'ioredis';
import { KeySchema } from '../../keys/key-schema.js';
import type { CommandOutput } from '../output.js';
import { truncate } from '../output.js';
import { withStorage } from './storage-session.js';

export interface SessionCommandOptions {
  client: Redis;
  prefix: string;
}

function metadataText(metaData: unknown): string {
  return JSON.stringify(metaData) ?? String(metaData);
}

/** `list <subject>`: the subject's live sessions, soonest to expire first. */
export async function listSessions({ client, prefix }: SessionCommandOptions, subject: string): Promise<CommandOutput> {
  const { result: sessions } = await withStorage(client, prefix, (storage) => storage.readAll(subject));
  // The expiry lives in the index only; read after readAll, which pruned it. Informative, not atomic with readAll.
  const flat = await client.zrange(new KeySchema(prefix).indexKey(subject), '0', '-1', 'WITHSCORES');
  const expiries: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) expiries[flat[i]!] = flat[i + 1]!;
  const list = [...sessions].map(([sessionId, metaData]) => {
    const expiresAt = Number(expiries[sessionId]);
    return { sessionId, expiresAt: Number.isFinite(expiresAt) ? new Date(expiresAt).toISOString() : null, metaData };
  });
  list.sort((a, b) => String(a.expiresAt).localeCompare(String(b.expiresAt)));
  return {
    json: { subject, sessions: list },
    head: ['SESSION ID', 'EXPIRES AT', 'METADATA'],
    rows: list.map((s) => [s.sessionId, s.expiresAt, truncate(metadataText(s.metaData))]),
    notes: [`${list.length} live session${list.length === 1 ? '' : 's'} of ${JSON.stringify(subject)}`],
    exitCode: 0,
  };
}

/** `count <subject>`: the number of live sessions. */
export async function countSessions({ client, prefix }: SessionCommandOptions, subject: string): Promise<CommandOutput> {
  const { result: count } = await withStorage(client, prefix, (storage) => storage.count(subject));
  return { json: { subject, count }, head: ['SUBJECT', 'LIVE SESSIONS'], rows: [[subject, count]], exitCode: 0 };
}

/**
 * `revoke <subject> [sessionId]`: ends one session, or all of the subject's.
 * Exit code 1 when a named session was not live, so that a typo is noticed.
 */
export async function revokeSessions({ client, prefix }: SessionCommandOptions, subject: string, sessionId?: string): Promise<CommandOutput> {
  const { ended } = await withStorage(client, prefix, (storage): Promise<unknown> =>
    sessionId === undefined ? storage.deleteAll(subject) : storage.delete(subject, sessionId),
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
    exitCode: missing ? 1 : 0,
  };
}
