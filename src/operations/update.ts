import { defineOperation } from './operation.js';
import { doneResult } from './results.js';
import type { SessionInput } from './session-input.js';

/** What `update` writes. */
export interface UpdateInput extends SessionInput {
  metaData: unknown;
}

/** Replaces a live session's metadata, keeping its TTL (lua/update-2.lua): `false` when there is no live session. */
export const update = defineOperation({
  script: 'update',
  keys: { fixed: 2, variadic: true },
  encode: ({ subject, sessionId, metaData }: UpdateInput, { keys, format, declaresKeys }) => ({
    keys: keys.presentedKeys(subject, sessionId, declaresKeys),
    args: [sessionId, format.encode(metaData)],
  }),
  decode: doneResult,
});
