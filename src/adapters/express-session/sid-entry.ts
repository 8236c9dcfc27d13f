import { unexpectedReply } from '../../scripts/reply.js';

/**
 * What a sid key holds (lua/includes/sid-entry.lua writes and reads it):
 * "<kind><slide ttl in seconds, 10 digits>:<payload>", kind "a" an anonymous session
 * whose payload is its value, kind "u" a logged-in one whose payload is its
 * subject's index key.
 */
export type SidEntry = { kind: 'anonymous'; slideTtl: number; value: Buffer } | { kind: 'pointer'; slideTtl: number; indexKey: string };

const COLON = 0x3a;
/** The slide ttl's digits: 10, enough for MAX_TTL_SECONDS (2^31 - 1). */
const TTL_DIGITS = 10;
const PAYLOAD = 2 + TTL_DIGITS;

/** A slide ttl as a sid key writes it: 10 digits, so that scripts read it at fixed places. */
export function slideTtlField(slideTtl: number): string {
  return String(slideTtl).padStart(TTL_DIGITS, '0');
}

/** The entry in a script's reply (the sid key's bytes). */
export function parseSidEntry(stored: Buffer): SidEntry {
  const slideTtl = Number(stored.toString('latin1', 1, 1 + TTL_DIGITS));
  if (stored.length < PAYLOAD || stored[PAYLOAD - 1] !== COLON || !Number.isSafeInteger(slideTtl)) {
    throw unexpectedReply('sid key entry', stored.toString('latin1', 0, 40));
  }
  const payload = stored.subarray(PAYLOAD);
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
