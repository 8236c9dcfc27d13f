import { unexpectedReply } from '../scripts/reply.js';

/** A script's integer result (a count, or 1/0). */
export function integerResult(result: unknown): number {
  if (typeof result !== 'number') throw unexpectedReply('script result', result);
  return result;
}

/** A script's 1 (done) or 0 (no live session) result. */
export function doneResult(result: unknown): boolean {
  return integerResult(result) === 1;
}

/** A script's value result: the stored bytes, or none (nil). */
export function valueResult(result: unknown): Buffer | undefined {
  if (Buffer.isBuffer(result)) return result;
  // Lua false: RESP2 nil, RESP3 null or false.
  if (result === null || result === undefined || result === false) return undefined;
  throw unexpectedReply('script result', result);
}

/** A script's flat (sessionId, value) pairs. */
export function pairsResult(result: unknown): [sessionId: string, value: Buffer][] {
  if (!Array.isArray(result)) throw unexpectedReply('script result', result);
  const flat: unknown[] = result;
  const pairs: [string, Buffer][] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const id = flat[i];
    const value = flat[i + 1];
    if (!Buffer.isBuffer(id) || !Buffer.isBuffer(value)) throw unexpectedReply('script result', result);
    pairs.push([id.toString(), value]);
  }
  return pairs;
}

/** A script's list of session ids. */
export function idsResult(result: unknown): string[] {
  if (!Array.isArray(result) || !result.every((id) => Buffer.isBuffer(id) || typeof id === 'string')) throw unexpectedReply('script result', result);
  return result.map(String);
}
