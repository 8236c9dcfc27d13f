import test from 'ava';
import { msgpackCodec } from '../../src/codec/msgpack-codec.js';
import { ValueFormat } from '../../src/codec/value-format.js';
import { UserSessionStorageError } from '../../src/index.js';

const code = (c: string) => ({ instanceOf: UserSessionStorageError, code: c });

test('values carry the codec format tag in their first byte', (t) => {
  const format = new ValueFormat(msgpackCodec<unknown>());
  const stored = format.encode({ a: 1 });
  t.is(stored[0], 0x01);
  t.deepEqual(format.decode(stored), { a: 1 });
});

test('a value of another format is VALUE_FORMAT_MISMATCH, not misread', (t) => {
  const msgpack = new ValueFormat(msgpackCodec<unknown>());
  const other = new ValueFormat<unknown>({ encode: (m) => Buffer.from(JSON.stringify(m)), decode: (b) => JSON.parse(b.toString()) as unknown });
  t.throws(() => msgpack.decode(other.encode({ a: 1 })), code('VALUE_FORMAT_MISMATCH'));
  t.throws(() => other.decode(msgpack.encode({ a: 1 })), code('VALUE_FORMAT_MISMATCH'));
  t.throws(() => msgpack.decode(Buffer.alloc(0)), code('VALUE_FORMAT_MISMATCH'));
  t.throws(() => other.decode(Buffer.from([0x80, 0x7b])), code('VALUE_FORMAT_MISMATCH'), 'undecodable bytes');
});

test('metadata the codec cannot encode is INVALID_ARGUMENT', (t) => {
  const format = new ValueFormat(msgpackCodec<unknown>());
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  t.throws(() => format.encode(cyclic), code('INVALID_ARGUMENT'));
  t.throws(() => format.encode(undefined), code('INVALID_ARGUMENT'));
  t.throws(() => new ValueFormat({ formatTag: 256, encode: () => Buffer.alloc(0), decode: () => 0 }), code('INVALID_ARGUMENT'));
  t.throws(() => new ValueFormat<unknown>({ encode: () => 'text' as unknown as Buffer, decode: () => 0 }).encode(1), code('INVALID_ARGUMENT'));
});

test('a stored __proto__ key comes back as plain data and pollutes nothing', (t) => {
  const format = new ValueFormat(msgpackCodec<Record<string, unknown>>());
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "nested": {"__proto__": {"polluted": true}}}') as Record<string, unknown>;
  const decoded = format.decode(format.encode(hostile));
  t.deepEqual(Object.keys(decoded), ['__proto__', 'nested']);
  t.is(Object.getPrototypeOf(decoded), Object.prototype);
  t.is((decoded as { polluted?: boolean }).polluted, undefined);
  t.is(({} as { polluted?: boolean }).polluted, undefined);
  t.deepEqual(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value, { polluted: true });
});
