import msgpack from 'msgpack-lite';
import type { Codec } from './codec.js';

export const MSGPACK_FORMAT_TAG = 0x01;

const codec = msgpack.createCodec({ preset: true });
// msgpack-lite builds objects with `obj[key] = value`, so a stored
// "__proto__" key would replace the decoded object's prototype instead of
// coming back as data. Values that contain those bytes anywhere are decoded
// with maps as Map and copied with defineProperty, which keeps every key an
// own, plain property; all others take msgpack-lite's faster plain path.
const guardedCodec = msgpack.createCodec({ preset: true, usemap: true });
const PROTO = Buffer.from('__proto__');

function plain(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) {
      Object.defineProperty(out, String(key), { value: plain(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/**
 * msgpack-lite writes functions and symbols as nil, so such metadata would
 * be stored as something else than what was passed; it is refused instead
 * (the storage reports INVALID_ARGUMENT). `seen` stops at cycles, which
 * msgpack-lite itself rejects.
 */
function assertLossless(value: unknown, seen = new Set<object>()): void {
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new TypeError(`${typeof value} values cannot be stored: MessagePack has no form for them`);
  }
  if (value === null || typeof value !== 'object' || seen.has(value) || Buffer.isBuffer(value)) return;
  seen.add(value);
  for (const item of Object.values(value)) assertLossless(item, seen);
}

/**
 * The default codec: MessagePack through msgpack-lite (format tag 0x01).
 * Keeps strings, numbers, booleans, null, arrays, plain objects and Buffers;
 * decoded objects are plain objects whose keys are all own data properties
 * (a stored `"__proto__"` key stays data). Cyclic values, functions and
 * symbols cannot be encoded.
 *
 * @returns A {@link Codec} for any MessagePack-representable metadata.
 */
export function msgpackCodec<MetaData>(): Codec<MetaData> {
  return {
    formatTag: MSGPACK_FORMAT_TAG,
    encode: (metaData) => {
      assertLossless(metaData);
      return msgpack.encode(metaData, { codec });
    },
    decode: (bytes) => (bytes.includes(PROTO) ? plain(msgpack.decode(bytes, { codec: guardedCodec })) : msgpack.decode(bytes, { codec })) as MetaData,
  };
}
