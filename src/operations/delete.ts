import { defineOperation } from './operation.js';
import { doneResult } from './results.js';
import type { SessionInput } from './session-input.js';

/** Ends one session (lua/delete-2.lua): `false` when there was no live session. */
export const deleteOne = defineOperation({
  script: 'delete',
  keys: { fixed: 2, variadic: true },
  deletesValues: true,
  encode: ({ subject, sessionId }: SessionInput, { keys, settings, declaresKeys }) => ({
    keys: keys.presentedKeys(subject, sessionId, declaresKeys),
    args: [sessionId, String(settings.indexGraceMs)],
  }),
  impliedEnded: ({ sessionId }: SessionInput, result) => (result === 1 ? [{ reason: 'deleted', sessionId }] : []),
  decode: doneResult,
});
