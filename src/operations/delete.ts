import { defineOperation } from './operation.js';
import { doneResult } from './results.js';
import type { SessionInput } from './session-input.js';

/** Ends one session (lua/delete-3.lua): `false` when there was no live session. */
export const deleteOne = defineOperation({
  script: 'delete',
  keys: { fixed: 3, variadic: true },
  deletesValues: true,
  encode: ({ subject, sessionId }: SessionInput, { keys, settings, presentedMode }) => ({
    keys: keys.presentedKeys(subject, sessionId),
    args: [sessionId, String(settings.indexGraceMs), presentedMode],
  }),
  decode: doneResult,
});
