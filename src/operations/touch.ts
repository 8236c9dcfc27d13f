import { defineOperation } from './operation.js';
import { doneResult } from './results.js';
import type { SessionInput } from './session-input.js';

/** What `touch` sets. */
export interface TouchInput extends SessionInput {
  ttlSeconds: number;
}

/** Resets a live session's TTL (lua/touch-2.lua): `false` when there is no live session. */
export const touch = defineOperation({
  script: 'touch',
  keys: { fixed: 2, variadic: true },
  encode: ({ subject, sessionId, ttlSeconds }: TouchInput, { keys, settings, declaresKeys }) => ({
    keys: keys.presentedKeys(subject, sessionId, declaresKeys),
    args: [sessionId, String(ttlSeconds * 1000), String(settings.indexGraceMs)],
  }),
  decode: doneResult,
});
