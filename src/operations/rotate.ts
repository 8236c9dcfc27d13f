import { MAX_DEFAULT_REUSE_DETECTION_SECONDS } from '../storage/options.js';
import { defineOperation } from './operation.js';
import { doneResult } from './results.js';
import type { SessionInput } from './session-input.js';

/** What `rotate` replaces and starts. */
export interface RotateInput extends SessionInput {
  newSessionId: string;
  ttlSeconds: number;
  /** The new session's metadata; `undefined`: the old session's. */
  metaData: unknown;
}

/**
 * Ends a live session and starts its successor (lua/rotate-3.lua): `false`
 * when the old id has no live session. Fails with SESSION_ALREADY_EXISTS
 * when the new id has one. Variadic: on a cluster, a rotated id presented
 * may need the subject's value keys (a reuse's revocation).
 */
export const rotate = defineOperation({
  script: 'rotate',
  keys: { fixed: 3, variadic: true },
  deletesValues: true,
  encode: ({ subject, sessionId, newSessionId, ttlSeconds, metaData }: RotateInput, { keys, format, settings, declaresKeys, reuseRevokes }) => ({
    keys: [
      keys.valueKey(subject, sessionId),
      keys.indexKey(subject),
      keys.valueKey(subject, newSessionId),
      ...(declaresKeys ? [keys.markerKey(subject, sessionId)] : []),
    ],
    args: [
      sessionId,
      newSessionId,
      metaData === undefined ? '' : format.encode(metaData),
      String(ttlSeconds * 1000),
      String(settings.reuseWindowMs),
      String(MAX_DEFAULT_REUSE_DETECTION_SECONDS * 1000),
      String(settings.indexGraceMs),
      reuseRevokes,
    ],
  }),
  impliedEnded: ({ sessionId }: RotateInput, result) => (result === 1 ? [{ reason: 'rotated', sessionId }] : []),
  decode: doneResult,
});
