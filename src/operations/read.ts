import { defineOperation, type Operation } from './operation.js';
import { valueResult } from './results.js';
import type { SessionInput } from './session-input.js';

/**
 * Reads one session's metadata (lua/read-2.lua): `undefined` when there is
 * no live session. Variadic: on a cluster, a rotated id presented may need
 * the subject's value keys (a reuse's revocation). Generic in the metadata
 * type, so it is made per call.
 */
export function read<MetaData>(): Operation<SessionInput, MetaData | undefined, MetaData> {
  return defineOperation({
    script: 'read',
    keys: { fixed: 2, variadic: true },
    encode: ({ subject, sessionId }: SessionInput, { keys, declaresKeys }) => ({
      keys: keys.presentedKeys(subject, sessionId, declaresKeys),
      args: [sessionId],
    }),
    decode: (result, { format }) => {
      const value = valueResult(result);
      return value && format.decode(value);
    },
  });
}
