import { defineOperation, type Operation, type SubjectInput } from './operation.js';
import { pairsResult } from './results.js';

/**
 * Reads every live session of a subject (lua/read-all-1.lua): sessionId →
 * metadata. Variadic: on a cluster, the value keys of the subject's
 * sessions follow the index key. Generic in the metadata type, so it is
 * made per call.
 */
export function readAll<MetaData>(): Operation<SubjectInput, ReadonlyMap<string, MetaData>, MetaData> {
  return defineOperation({
    script: 'readAll',
    keys: { fixed: 1, variadic: true },
    encode: ({ subject }: SubjectInput, { keys, declaresKeys }) => ({ keys: [keys.indexKey(subject)], args: [declaresKeys ? '1' : '0'] }),
    decode: (result, { format }) => new Map(pairsResult(result).map(([sessionId, value]) => [sessionId, format.decode(value)])),
  });
}
