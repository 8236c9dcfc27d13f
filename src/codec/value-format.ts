import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';
import type { Codec } from './codec.js';

export const DEFAULT_CUSTOM_FORMAT_TAG = 0x80;
/**
 * The first byte of a value that carries its session's token family in
 * front of the framed metadata (written by lua/rotate-3.lua; layout in
 * lua/includes/family.lua). No codec may use it as its format tag.
 */
export const FAMILY_FRAME_TAG = 0xff;

/**
 * Frames metadata as stored bytes: one format tag byte, then the codec's
 * bytes. Encoding failures (cycles, unsupported types) become
 * INVALID_ARGUMENT before anything reaches Redis.
 */
export class ValueFormat<MetaData> {
  private readonly tag: number;

  constructor(readonly codec: Codec<MetaData>) {
    const tag = codec.formatTag ?? DEFAULT_CUSTOM_FORMAT_TAG;
    if (!Number.isInteger(tag) || tag < 0 || tag >= FAMILY_FRAME_TAG) {
      throw new UserSessionStorageError(
        ErrorCode.INVALID_ARGUMENT,
        `codec.formatTag must be a whole number from 0 to 254 (255 is reserved); got ${String(tag)}`,
      );
    }
    this.tag = tag;
  }

  encode(metaData: MetaData): Buffer {
    if (metaData === undefined) {
      throw new UserSessionStorageError(
        ErrorCode.INVALID_ARGUMENT,
        'metaData must not be undefined (read() returns undefined for "no session"); pass null or an object',
      );
    }
    let body: Buffer;
    try {
      body = this.codec.encode(metaData);
    } catch (cause) {
      throw new UserSessionStorageError(
        ErrorCode.INVALID_ARGUMENT,
        `metaData cannot be encoded by the codec (${errorText(cause)}); pass plain, acyclic data`,
        { cause },
      );
    }
    if (!Buffer.isBuffer(body)) {
      throw new UserSessionStorageError(ErrorCode.INVALID_ARGUMENT, 'codec.encode must return a Buffer');
    }
    const framed = Buffer.allocUnsafe(body.length + 1);
    framed[0] = this.tag;
    body.copy(framed, 1);
    return framed;
  }

  decode(stored: Buffer): MetaData {
    if (stored.length >= 3 && stored[0] === FAMILY_FRAME_TAG) stored = stored.subarray(3 + stored.readUInt16BE(1));
    if (stored.length === 0 || stored[0] !== this.tag) {
      throw new UserSessionStorageError(
        ErrorCode.VALUE_FORMAT_MISMATCH,
        `stored value has format tag ${stored.length ? stored[0] : 'none'}, this storage's codec writes ${this.tag}: ` +
          'another codec wrote it; read it with a storage configured with that codec, or delete the session',
      );
    }
    try {
      return this.codec.decode(stored.subarray(1));
    } catch (cause) {
      throw new UserSessionStorageError(
        ErrorCode.VALUE_FORMAT_MISMATCH,
        `stored value cannot be decoded by the codec (${errorText(cause)}); delete the session or fix the codec`,
        { cause },
      );
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
