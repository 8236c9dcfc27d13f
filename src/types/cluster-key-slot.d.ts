/** cluster-key-slot ships no types; this is the one function used (the same CRC16 slot ioredis routes by). */
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0..16383) of a key, honouring {hash tags}. */
  export default function calculateSlot(key: string | Buffer): number;
}
