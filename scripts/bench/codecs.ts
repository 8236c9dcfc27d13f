import msgpackLite from 'msgpack-lite';
import { Packr } from 'msgpackr';
import { msgpackCodec, type Codec } from '../../src/index.js';
import { Dataset } from './dataset.js';

export interface CodecCost {
  codec: string;
  /** Nanoseconds per encode + decode of one realistic metadata value. */
  nsPerRoundTrip: number;
  bytes: number;
}

/** Codecs `--codec` can run every store of the bench with; msgpack-lite is the library's default. */
export const BENCH_CODECS = ['msgpack-lite', 'msgpackr', 'json'] as const;
export type BenchCodecName = (typeof BENCH_CODECS)[number];

/** The codec of that name, as a user would pass it to the storage's `codec` option (format tags 0x01, 0x02, 0x03). */
export function benchCodec(name: BenchCodecName): Codec<unknown> {
  if (name === 'msgpack-lite') return msgpackCodec<unknown>();
  if (name === 'msgpackr') {
    const packr = new Packr({ useRecords: false });
    return { formatTag: 0x02, encode: (m) => packr.pack(m), decode: (b) => packr.unpack(b) as unknown };
  }
  return { formatTag: 0x03, encode: (m) => Buffer.from(JSON.stringify(m)), decode: (b) => JSON.parse(b.toString('utf8')) as unknown };
}

/** Codecs a user can pass as `codec`; the first is the library's default. */
export function candidateCodecs(): Record<string, Codec<unknown>> {
  return {
    'msgpack-lite (default)': benchCodec('msgpack-lite'),
    'msgpack-lite (plain)': { encode: (m) => msgpackLite.encode(m), decode: (b) => msgpackLite.decode(b) as unknown },
    msgpackr: benchCodec('msgpackr'),
    JSON: benchCodec('json'),
  };
}

/** Times encode+decode of varied metadata (so no codec caches one value) and checks each round trip. */
export function codecCosts(iterations: number, padBytes: number): CodecCost[] {
  const data = new Dataset(1, padBytes);
  const values = Array.from({ length: 1024 }, (_, i) => data.metadata(i));
  return Object.entries(candidateCodecs()).map(([name, codec]) => {
    for (let i = 0; i < Math.min(iterations, 2_000); i++) codec.decode(codec.encode(values[i % 1024]));
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const back = codec.decode(codec.encode(values[i & 1023]));
      if (!data.matches(back, i & 1023)) throw new Error(`${name} did not decode what it encoded`);
    }
    const ns = Number(process.hrtime.bigint() - started) / iterations;
    return { codec: name, nsPerRoundTrip: ns, bytes: codec.encode(values[0]).length };
  });
}
