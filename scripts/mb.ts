import msgpack from 'msgpack-lite';
import { Dataset } from './bench/dataset.js';
import { msgpackCodec } from '../src/index.js';
const d = new Dataset(1, 0);
const vals = Array.from({ length: 1024 }, (_, i) => d.metadata(i));
const c = msgpackCodec<unknown>();
const enc = vals.map((v) => msgpack.encode(v));
function t(name: string, f: (i: number) => unknown) { for (let i = 0; i < 20000; i++) f(i); const s = process.hrtime.bigint(); const N = 100000; for (let i = 0; i < N; i++) f(i); console.log(name, Number(process.hrtime.bigint() - s) / N, 'ns'); }
t('lite encode', (i) => msgpack.encode(vals[i & 1023]));
t('lite decode', (i) => msgpack.decode(enc[i & 1023]!));
t('codec encode', (i) => c.encode(vals[i & 1023]));
t('codec decode', (i) => c.decode(enc[i & 1023]!));
t('metadata()', (i) => d.metadata(i));
t('JSON', (i) => JSON.parse(JSON.stringify(vals[i & 1023])));
