import { EndReasonCode } from '../scripts/result-codes.js';
import { defineOperation } from './operation.js';
import { doneResult } from './results.js';
import type { SessionInput } from './session-input.js';

/** A keyspace notification of a session's value key. */
export interface CleanupInput extends SessionInput {
  /** The value key, as the notification named it. */
  valueKey: string;
  /** Why it went: a `del` is reported as `'evicted'`, like an eviction. */
  reason: 'expired' | 'evicted';
}

/**
 * Removes the index entry of a session whose value key expired, was evicted
 * or was deleted (lua/cleanup-2.lua), run on a keyspace notification:
 * `true` when this call removed it (and reports it).
 */
export const cleanup = defineOperation({
  script: 'cleanup',
  keys: { fixed: 2 },
  encode: ({ subject, sessionId, valueKey, reason }: CleanupInput, { keys }) => ({
    keys: [valueKey, keys.indexKey(subject)],
    args: [sessionId, String(EndReasonCode[reason])],
  }),
  decode: doneResult,
});
