import { defineOperation, type SubjectInput } from './operation.js';
import { integerResult } from './results.js';

/**
 * Counts a subject's live sessions (lua/count-1.lua). Variadic: on a
 * cluster, the value keys of the subject's sessions follow the index key.
 */
export const count = defineOperation({
  script: 'count',
  keys: { fixed: 1, variadic: true },
  encode: ({ subject }: SubjectInput, { keys, declaresKeys }) => ({ keys: [keys.indexKey(subject)], args: [declaresKeys ? '1' : '0'] }),
  decode: integerResult,
});
