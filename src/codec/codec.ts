/**
 * Turns metadata into bytes and back. `encode` may throw for values it
 * cannot represent; the storage reports that as INVALID_ARGUMENT.
 */
export interface Codec<MetaData> {
  encode(metaData: MetaData): Buffer;
  decode(bytes: Buffer): MetaData;
  /**
   * One byte (0-255) stored in front of every value, so that a value written
   * by another codec is reported (VALUE_FORMAT_MISMATCH) instead of misread.
   * Default for custom codecs: 0x80. msgpack-lite uses 0x01.
   */
  readonly formatTag?: number;
}
