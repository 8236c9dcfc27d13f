import { defineOperation, type SubjectInput } from './operation.js';

/** What `insert` starts. */
export interface InsertInput extends SubjectInput {
  sessionId: string;
  metaData: unknown;
  ttlSeconds: number;
}

/**
 * Starts a session (lua/insert-2.lua). Variadic: on a cluster, at the limit,
 * the value keys of the subject's other sessions follow the two fixed keys.
 * Fails with SESSION_ALREADY_EXISTS or TOO_MANY_CONCURRENT_SESSIONS (see
 * src/scripts/result-codes.ts).
 */
export const insert = defineOperation({
  script: 'insert',
  keys: { fixed: 2, variadic: true },
  deletesValues: true,
  encode: ({ subject, sessionId, metaData, ttlSeconds }: InsertInput, { keys, format, settings, declaresKeys }) => ({
    keys: keys.sessionKeys(subject, sessionId),
    args: [
      sessionId,
      format.encode(metaData),
      String(ttlSeconds * 1000),
      String(settings.concurrentSessions),
      settings.onLimit,
      String(settings.indexGraceMs),
      declaresKeys ? '1' : '0',
    ],
  }),
  decode: (): void => {},
});
