import { unexpectedReply } from '../../scripts/reply.js';

/**
 * What a sid key holds (lua/includes/sid-entry.lua writes and reads it):
 * "<kind><slide ttl in seconds>:<payload>", kind "a" an anonymous session
 * whose payload is its value, kind "u" a logged-in one whose payload is its
 * subject's index key.
 */
export type SidEntry = { kind: 'anonymous'; slideTtl: number; value: Buffer } | { kind: 'pointer'; slideTtl: number; indexKey: string };

const COLON = 0x3a;

/** The entry in a script's reply (the sid key's bytes). */
export function parseSidEntry(stored: Buffer): SidEntry {
  const colon = stored.indexOf(COLON, 1);
  const slideTtl = Number(stored.toString('latin1', 1, colon));
  if (colon < 0 || !Number.isSafeInteger(slideTtl)) throw unexpectedReply('sid key entry', stored.toString('latin1', 0, 40));
  const payload = stored.subarray(colon + 1);
  if (stored[0] === 0x61) return { kind: 'anonymous', slideTtl, value: payload };
  if (stored[0] === 0x75) return { kind: 'pointer', slideTtl, indexKey: payload.toString('utf8') };
  throw unexpectedReply('sid key entry', stored.toString('latin1', 0, 40));
}

/**
 * The get script's "r<n>:<entry><value>": the sid key's entry (n bytes)
 * and the live session's value read with it.
 */
export function parseReadReply(reply: Buffer): { entry: SidEntry; value: Buffer } {
  const colon = reply.indexOf(COLON, 1);
  const length = Number(reply.toString('latin1', 1, colon));
  if (colon < 0 || !Number.isSafeInteger(length) || colon + 1 + length > reply.length)
    throw unexpectedReply('sid key read', reply.toString('latin1', 0, 40));
  const start = colon + 1;
  return { entry: parseSidEntry(reply.subarray(start, start + length)), value: reply.subarray(start + length) };
}
