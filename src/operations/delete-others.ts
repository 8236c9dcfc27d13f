import { defineOperation } from './operation.js';
import { idsResult, integerResult } from './results.js';
import type { SessionInput } from './session-input.js';

/**
 * Ends every session of a subject but `sessionId` (lua/delete-others-1.lua):
 * how many live sessions were ended. Variadic: on a cluster, the value keys
 * of the subject's sessions follow the index key.
 */
export const deleteOthers = defineOperation({
  script: 'deleteOthers',
  keys: { fixed: 1, variadic: true },
  deletesValues: true,
  encode: ({ subject, sessionId }: SessionInput, { keys, declaresKeys }) => ({
    keys: [keys.indexKey(subject)],
    args: [sessionId, declaresKeys ? '1' : '0'],
  }),
  // A bare reply is the ids ended: their count, each reported as deleted.
  impliedEnded: (_input, result) => idsResult(result).map((sessionId) => ({ reason: 'deleted' as const, sessionId })),
  decode: (result) => (Array.isArray(result) ? result.length : integerResult(result)),
});
