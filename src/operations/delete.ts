import { defineOperation } from './operation.js';
import { doneResult } from './results.js';
import type { SessionInput } from './session-input.js';

/** Ends one session (lua/delete-2.lua): `false` when there was no live session. */
export const deleteOne = defineOperation({
  script: 'delete',
  keys: { fixed: 2 },
  deletesValues: true,
  encode: ({ subject, sessionId }: SessionInput, { keys, settings }) => ({
    keys: keys.sessionKeys(subject, sessionId),
    args: [sessionId, String(settings.indexGraceMs)],
  }),
  decode: doneResult,
});
