/**
 * Turns metadata into bytes and back. Pass one as `codec` to
 * {@link UserSessionRedisStorage.create} to store something other than
 * MessagePack (JSON, protobuf, encrypted bytes...).
 *
 * The storage frames every value with {@link Codec.formatTag}, so values
 * written by a different codec are reported (`VALUE_FORMAT_MISMATCH`)
 * rather than misread.
 */
export interface Codec<MetaData> {
  /**
   * Encodes metadata. May throw for values it cannot represent (cycles,
   * functions...): the storage reports that as `INVALID_ARGUMENT` and writes
   * nothing. Must return a Buffer.
   */
  encode(metaData: MetaData): Buffer;
  /**
   * Decodes what `encode` produced (without the format tag). A throw is
   * reported as `VALUE_FORMAT_MISMATCH`.
   */
  decode(bytes: Buffer): MetaData;
  /**
   * One byte (0-254; 255 is reserved) stored in front of every value, so that a value written
   * by another codec is reported (VALUE_FORMAT_MISMATCH) instead of misread.
   * Default for custom codecs: 0x80. msgpack-lite uses 0x01.
   */
  readonly formatTag?: number;
}
