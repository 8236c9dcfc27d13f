import { defineOperation, type SubjectInput } from './operation.js';
import { integerResult } from './results.js';

/**
 * Ends every session of a subject (lua/delete-all-1.lua): how many live
 * sessions were ended. Variadic: on a cluster, the value keys of the
 * subject's sessions follow the index key.
 */
export const deleteAll = defineOperation({
  script: 'deleteAll',
  keys: { fixed: 1, variadic: true },
  deletesValues: true,
  encode: ({ subject }: SubjectInput, { keys, declaresKeys }) => ({ keys: [keys.indexKey(subject)], args: [declaresKeys ? '1' : '0'] }),
  decode: integerResult,
});
