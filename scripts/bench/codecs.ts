import msgpackLite from 'msgpack-lite';
import { Packr } from 'msgpackr';
import { msgpackCodec, type Codec } from '../../src/index.js';
import { Dataset } from './dataset.js';

export interface CodecCost {
  codec: string;
  /** Nanoseconds per encode of one realistic metadata value. */
  nsPerEncode: number;
  /** Nanoseconds per decode of one such value (what a readAll pays per session). */
  nsPerDecode: number;
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

/** Codecs a user can pass as `codec`, by table label; the first is the library's default. */
export function candidateCodecs(): { label: string; codec: Codec<unknown> }[] {
  return [
    { label: 'msgpack-lite (default)', codec: benchCodec('msgpack-lite') },
    { label: 'msgpack-lite (plain)', codec: { encode: (m) => msgpackLite.encode(m), decode: (b) => msgpackLite.decode(b) as unknown } },
    { label: 'msgpackr', codec: benchCodec('msgpackr') },
    { label: 'JSON', codec: benchCodec('json') },
  ];
}

/** Times encode and decode of varied metadata (so no codec caches one value), each in its own loop, and checks every round trip. */
export function codecCosts(iterations: number, padBytes: number): CodecCost[] {
  const data = new Dataset(1, padBytes);
  const values = Array.from({ length: 1024 }, (_, i) => data.metadata(i));
  return candidateCodecs().map(({ label, codec }) => {
    const encoded = values.map((v) => codec.encode(v));
    for (let i = 0; i < Math.min(iterations, 2_000); i++) codec.decode(codec.encode(values[i % 1024]));
    let started = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < iterations; i++) bytes += codec.encode(values[i & 1023]).length;
    const nsPerEncode = Number(process.hrtime.bigint() - started) / iterations;
    started = process.hrtime.bigint();
    let wrong = 0;
    for (let i = 0; i < iterations; i++) if (!data.matches(codec.decode(encoded[i & 1023]!), i & 1023)) wrong++;
    const nsPerDecode = Number(process.hrtime.bigint() - started) / iterations;
    if (wrong > 0 || bytes === 0) throw new Error(`${label} did not decode what it encoded`);
    return { codec: label, nsPerEncode, nsPerDecode, bytes: encoded[0]!.length };
  });
}
