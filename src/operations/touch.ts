import { defineOperation } from './operation.js';
import { doneResult } from './results.js';
import type { SessionInput } from './session-input.js';

/** What `touch` sets. */
export interface TouchInput extends SessionInput {
  ttlSeconds: number;
}

/** Resets a live session's TTL (lua/touch-3.lua): `false` when there is no live session. */
export const touch = defineOperation({
  script: 'touch',
  keys: { fixed: 3, variadic: true },
  encode: ({ subject, sessionId, ttlSeconds }: TouchInput, { keys, settings, presentedMode }) => ({
    keys: keys.presentedKeys(subject, sessionId),
    args: [sessionId, String(ttlSeconds * 1000), String(settings.indexGraceMs), presentedMode],
  }),
  decode: doneResult,
});
