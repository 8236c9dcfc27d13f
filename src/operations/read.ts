import { defineOperation, type Operation } from './operation.js';
import { valueResult } from './results.js';
import type { SessionInput } from './session-input.js';

/**
 * Reads one session's metadata (lua/read-2.lua): `undefined` when there is
 * no live session. Generic in the metadata type, so it is made per call.
 */
export function read<MetaData>(): Operation<SessionInput, MetaData | undefined, MetaData> {
  return defineOperation({
    script: 'read',
    keys: { fixed: 2 },
    encode: ({ subject, sessionId }: SessionInput, { keys }) => ({ keys: keys.sessionKeys(subject, sessionId), args: [sessionId] }),
    decode: (result, { format }) => {
      const value = valueResult(result);
      return value && format.decode(value);
    },
  });
}
