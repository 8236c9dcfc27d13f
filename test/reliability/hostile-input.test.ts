import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import type { Redis } from 'ioredis';
import { ErrorCode, UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';
import { assertInvariant } from '../helpers/invariant.js';
import { TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestRedis;
let admin: Redis;
let storage: UserSessionRedisStorage<unknown>;
test.before(async () => {
  server = await TestRedis.start();
  admin = await server.client();
  storage = await UserSessionRedisStorage.create({ client: await server.client(), keyPrefix: 'h', concurrentSessions: 1000 });
});
test.after.always(async () => {
  await storage?.close();
  await server?.stop();
});

const MiB = 'x'.repeat(1024 * 1024);
const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;

/** Values no subject or session id may be; each must get INVALID_ARGUMENT. */
const badIds: [string, unknown][] = [
  ['empty', ''],
  ['number', 1],
  ['null', null],
  ['undefined', undefined],
  ['object', {}],
  ['array', ['a']],
  ['boolean', true],
  ['symbol', Symbol('s')],
  ['bigint', 1n],
  ['String object', new String('a')],
  ['1025 bytes', 'x'.repeat(1025)],
  ['1026 UTF-8 bytes in 513 UTF-16 units', 'é'.repeat(513)],
  ['1 MiB', MiB],
  ['lone high surrogate', '\uD800'],
  ['lone low surrogate inside text', 'a\uDC00b'],
  ['reversed surrogate pair', '\uDE00\uD83D'],
];

const badTtls: [string, unknown][] = [
  ['0', 0],
  ['-1', -1],
  ['1.5', 1.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ["'10'", '10'],
  ['null', null],
  ['undefined', undefined],
  ['2^31 (past MAX_TTL_SECONDS)', 2 ** 31],
  ['bigint', 10n],
  ['object', {}],
];

const badMeta: [string, unknown][] = [
  ['undefined', undefined],
  ['cyclic object', cyclic],
  ['bigint', 1n],
  ['bigint nested', { a: [1n] }],
  ['function', () => 1],
  ['function nested', { onLogin: () => 1 }],
  ['symbol', Symbol('m')],
  ['symbol nested', [Symbol('m')]],
];

/** Options of readAndTouch (ttl 60): not an object, or minRemainingSeconds not a whole number from 0 to the ttl. */
const badReadAndTouchOptions: [string, unknown][] = [
  ['null', null],
  ['a number', 30],
  ['a string', 'minRemainingSeconds=30'],
  ['a function', () => 30],
  ['minRemainingSeconds -1', { minRemainingSeconds: -1 }],
  ['minRemainingSeconds 1.5', { minRemainingSeconds: 1.5 }],
  ['minRemainingSeconds NaN', { minRemainingSeconds: NaN }],
  ['minRemainingSeconds Infinity', { minRemainingSeconds: Infinity }],
  ["minRemainingSeconds '30'", { minRemainingSeconds: '30' }],
  ['minRemainingSeconds bigint', { minRemainingSeconds: 30n }],
  ['minRemainingSeconds above the ttl', { minRemainingSeconds: 61 }],
];

/** Options of readAll: not an object, or withExpiry not a boolean. */
const badReadAllOptions: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ["'withExpiry'", 'withExpiry'],
  ['a number', 1],
  ["withExpiry 'yes'", { withExpiry: 'yes' }],
  ['withExpiry 1', { withExpiry: 1 }],
  ['withExpiry null', { withExpiry: null }],
];

type Call = (args: unknown[]) => Promise<unknown>;
const ok = { subject: 'canary', id: 'c1', meta: { ok: true }, ttl: 600 };
/** Every method, its argument names, and valid values for the arguments not under test. */
const methods: { name: string; args: string[]; call: Call }[] = [
  { name: 'insert', args: ['subject', 'sessionId', 'metaData', 'ttl'], call: (a) => storage.insert(...(a as [string, string, unknown, number])) },
  { name: 'read', args: ['subject', 'sessionId'], call: (a) => storage.read(...(a as [string, string])) },
  { name: 'readAll', args: ['subject'], call: (a) => storage.readAll(...(a as [string])) },
  { name: 'update', args: ['subject', 'sessionId', 'metaData'], call: (a) => storage.update(...(a as [string, string, unknown])) },
  { name: 'touch', args: ['subject', 'sessionId', 'ttl'], call: (a) => storage.touch(...(a as [string, string, number])) },
  { name: 'delete', args: ['subject', 'sessionId'], call: (a) => storage.delete(...(a as [string, string])) },
  { name: 'deleteAll', args: ['subject'], call: (a) => storage.deleteAll(...(a as [string])) },
  { name: 'count', args: ['subject'], call: (a) => storage.count(...(a as [string])) },
  {
    name: 'rotate',
    args: ['subject', 'sessionId', 'newSessionId', 'ttl', 'newMetaData'],
    call: (a) => storage.rotate(...(a as [string, string, string, number, unknown])),
  },
  {
    name: 'readAndTouch',
    args: ['subject', 'sessionId', 'ttl', 'readAndTouchOptions'],
    call: (a) => storage.readAndTouch(...(a as [string, string, number, { minRemainingSeconds: number }])),
  },
  { name: 'deleteOthers', args: ['subject', 'sessionId'], call: (a) => storage.deleteOthers(...(a as [string, string])) },
  { name: 'readAll', args: ['subject', 'readAllOptions'], call: (a) => storage.readAll(...(a as [string, { withExpiry: true }])) },
];
// Valid values point at the live canary session where an id is needed, so
// that a call that got past validation would find a session to act on.
const valid: Record<string, unknown> = {
  subject: ok.subject,
  sessionId: ok.id,
  newSessionId: 'fresh',
  metaData: ok.meta,
  newMetaData: ok.meta,
  ttl: 60,
  readAndTouchOptions: { minRemainingSeconds: 30 },
  readAllOptions: { withExpiry: true },
};
const badValues: Record<string, [string, unknown][]> = {
  subject: badIds,
  sessionId: badIds,
  newSessionId: badIds,
  metaData: badMeta,
  // rotate's metadata is optional: undefined keeps the old session's.
  newMetaData: badMeta.filter(([label]) => label !== 'undefined'),
  ttl: badTtls,
  readAndTouchOptions: badReadAndTouchOptions,
  readAllOptions: badReadAllOptions,
};

async function evalshaCalls(): Promise<number> {
  const info = await admin.info('commandstats');
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

test.serial('every bad argument of every method gets INVALID_ARGUMENT before anything is sent, and no key changes', async (t) => {
  await storage.insert(ok.subject, ok.id, ok.meta, ok.ttl);
  const keysBefore = await admin.dbsize();
  const expiryBefore = await admin.pexpiretime(`h:{${ok.subject}}:s:${ok.id}`);
  let cases = 0;
  for (const method of methods) {
    for (const [position, arg] of method.args.entries()) {
      for (const [label, bad] of badValues[arg]!) {
        const args = method.args.map((name) => valid[name]);
        args[position] = bad;
        const sentBefore = await evalshaCalls();
        const error = await t.throwsAsync(method.call(args), undefined, `${method.name}(${arg} = ${label})`);
        t.true(error instanceof UserSessionStorageError, `${method.name}(${arg} = ${label}): ${String(error)}`);
        t.is((error as UserSessionStorageError).code, ErrorCode.INVALID_ARGUMENT, `${method.name}(${arg} = ${label})`);
        t.true(error.message.length > 20, 'the message says what to do');
        t.is(await evalshaCalls(), sentBefore, `${method.name}(${arg} = ${label}) sent a script`);
        t.is(await admin.dbsize(), keysBefore, `${method.name}(${arg} = ${label}) changed the key count`);
        cases++;
      }
    }
  }
  // rotate to the id it rotates: every argument valid on its own, the call is not.
  const sentBefore = await evalshaCalls();
  const same = await t.throwsAsync(storage.rotate(ok.subject, ok.id, ok.id, 60), { instanceOf: UserSessionStorageError });
  t.is(same.code, ErrorCode.INVALID_ARGUMENT);
  t.regex(same.message, /newSessionId must differ/);
  t.is(await evalshaCalls(), sentBefore, 'rotate to the same id sent a script');
  t.true(cases > 300);
  t.is(await admin.dbsize(), keysBefore);
  // The canary is as it was: no call above rotated, touched, replaced or ended it.
  t.deepEqual(await admin.pexpiretime(`h:{${ok.subject}}:s:${ok.id}`), expiryBefore);
  t.deepEqual(await storage.read(ok.subject, ok.id), ok.meta);
  await assertInvariant(t, admin, 'h');
  await storage.deleteAll(ok.subject);
});

/** Valid, but adversarial for key building, globbing, hash tags and C strings: each must round-trip in isolation. */
const adversarial = [
  ':',
  '{',
  '}',
  '{}',
  '}{',
  '*',
  '?',
  '[',
  ']',
  '[a-z]',
  '\\',
  '\0',
  'a\0b',
  '\n',
  '\r\n',
  ' ',
  'a:b',
  'a:{b}:s:c',
  ':i',
  's:',
  '%',
  '%7D',
  '%25',
  '__proto__',
  'constructor',
  'toString',
  '😀',
  'é'.repeat(512),
  'x'.repeat(1024),
];

test.serial('adversarial subjects and session ids round-trip, each in isolation from all the others', async (t) => {
  for (const subject of adversarial) {
    for (const id of adversarial) await storage.insert(subject, id, { subject, id }, 600);
  }
  const n = adversarial.length;
  const report = await assertInvariant(t, admin, 'h');
  t.is(report.live, n * n);
  t.is(report.keys, n * n + n, 'one value per session and one index per subject: no two share a key');
  for (const subject of adversarial) {
    const all = await storage.readAll(subject);
    t.deepEqual([...all.keys()].sort(), [...adversarial].sort());
    for (const [id, meta] of all) t.deepEqual(meta, { subject, id });
    t.is(await storage.count(subject), n);
  }
  for (const id of adversarial) t.deepEqual(await storage.read(adversarial[0]!, id), { subject: adversarial[0], id });
  // Ending one subject's sessions leaves every other subject intact.
  t.true(await storage.delete('*', '*'));
  t.is(await storage.deleteAll('?'), n);
  t.is(await storage.count('*'), n - 1);
  t.is(await storage.count('[a-z]'), n);
  t.true(await storage.update('{', '}', 'new'));
  t.true(await storage.touch('}', '{', 60));
  t.is(await storage.read('{', '}'), 'new');
  t.deepEqual(await storage.read('}', '}'), { subject: '}', id: '}' });
  await assertInvariant(t, admin, 'h');
  let ended = 0;
  for (const subject of adversarial) ended += await storage.deleteAll(subject);
  t.is(ended, n * n - n - 1);
  t.is(await admin.dbsize(), 0);
});

test.serial('adversarial ids rotate, are detected when replayed, and deleteOthers keeps exactly the one named', async (t) => {
  const n = adversarial.length;
  const reused: string[] = [];
  storage.on('reused', (e) => reused.push(e.sessionId));
  t.teardown(() => storage.removeAllListeners('reused'));
  for (const subject of ['{', '}', '*']) {
    for (const id of adversarial) await storage.insert(subject, id, { id }, 600);
    // Each to an id of its own; then, ids swapped into the places the first rotation left.
    for (const [i, id] of adversarial.entries()) t.true(await storage.rotate(subject, id, `r${i}`, 600));
    for (const [i, id] of adversarial.entries()) t.true(await storage.rotate(subject, `r${i}`, id, 600), `${subject}/${JSON.stringify(id)} back`);
    t.is(await storage.count(subject), n);
    for (const id of adversarial) t.deepEqual(await storage.read(subject, id), { id }, 'the metadata followed each rotation');
  }
  let report = await assertInvariant(t, admin, 'h');
  t.is(report.keys, 3 * (n + 1) + 3 * 2 * n, 'per subject: the values, the index, and a marker per rotated id (n ids, n r-ids)');
  // Every id was rotated away once: each replay is a reuse, and revokes only its own family
  // (id, then r<i>, then id again: the live id is the only one left of it).
  for (const [i, id] of adversarial.entries()) {
    t.is(await storage.read('{', `r${i}`), undefined);
    t.is(await storage.count('{'), n - i - 1, `r${i} replayed: ${JSON.stringify(id)}, of its family, revoked, and no other`);
    t.is(await storage.read('{', id), undefined, 'its own first rotation left a marker too');
  }
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(
    reused,
    adversarial.flatMap((id, i) => [`r${i}`, id]),
  );
  t.deepEqual(await storage.read('}', adversarial[0]!), { id: adversarial[0] }, 'another subject untouched');
  t.is(await storage.deleteOthers('}', adversarial[3]!), n - 1);
  t.deepEqual([...(await storage.readAll('}', { withExpiry: true })).keys()], [adversarial[3]]);
  t.is(await storage.deleteOthers('}', adversarial[3]!), 0);
  t.is(await storage.deleteOthers('}', adversarial[12]!), 1, 'a kept id that is not live keeps nothing');
  t.is(await storage.deleteOthers('*', 'not a session'), n);
  report = await assertInvariant(t, admin, 'h');
  t.is(report.live, 0);
  for (const key of await admin.keys('h:*')) await admin.del(key); // the markers
});

const hostileMeta: [string, unknown][] = [
  ['__proto__ key (JSON.parse)', JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')],
  ['constructor.prototype', JSON.parse('{"constructor": {"prototype": {"polluted": true}}}')],
  ['nested __proto__', JSON.parse('{"x": [{"__proto__": {"isAdmin": true}}]}')],
  ['1 MiB string', { blob: MiB }],
  ['NUL and newlines', { s: 'a\0b\nc' }],
  ['binary Buffer', Buffer.from([0, 255, 1, 254])],
  ['null', null],
  ['empty string', ''],
  ['0', 0],
];

test.serial('hostile metadata is stored as plain data: no prototype is polluted or replaced', async (t) => {
  for (const [label, meta] of hostileMeta) {
    await storage.insert('m', label, meta, 60);
    const back = await storage.read('m', label);
    t.deepEqual(back, meta, label);
    if (back && typeof back === 'object' && !Buffer.isBuffer(back)) {
      t.is(Object.getPrototypeOf(back), Object.prototype, `${label}: decoded object keeps Object.prototype`);
    }
  }
  const all = await storage.readAll('m');
  t.is(all.size, hostileMeta.length);
  t.false('polluted' in {}, 'Object.prototype polluted');
  t.false('isAdmin' in {}, 'Object.prototype polluted');
  const protoMeta = all.get(hostileMeta[0]![0]) as Record<string, unknown>;
  t.true(Object.hasOwn(protoMeta, '__proto__'), '__proto__ comes back as an own data property');
  t.is(await storage.deleteAll('m'), hostileMeta.length);
  t.is(await admin.dbsize(), 0);
});

test.serial('bad create() options get INVALID_ARGUMENT and change nothing on the server', async (t) => {
  const client = await server.client();
  const bad: [string, Record<string, unknown>][] = [
    ['no client', { client: undefined }],
    ['client null', { client: null }],
    ['client a URL', { client: 'redis://localhost' }],
    ['keyPrefix empty', { keyPrefix: '' }],
    ["keyPrefix '{'", { keyPrefix: 'a{b' }],
    ["keyPrefix '}'", { keyPrefix: 'a}' }],
    ['keyPrefix number', { keyPrefix: 1 }],
    ['keyPrefix 257 bytes', { keyPrefix: 'p'.repeat(257) }],
    ['keyPrefix lone surrogate', { keyPrefix: '\uD800' }],
    ['concurrentSessions 0', { concurrentSessions: 0 }],
    ['concurrentSessions 1.5', { concurrentSessions: 1.5 }],
    ["concurrentSessions '3'", { concurrentSessions: '3' }],
    ['concurrentSessions NaN', { concurrentSessions: NaN }],
    ["onLimit 'drop'", { onLimit: 'drop' }],
    ["keyspaceEvents 'on'", { keyspaceEvents: 'on' }],
    ['indexGraceSeconds 0', { indexGraceSeconds: 0 }],
    ['indexGraceSeconds 0.5', { indexGraceSeconds: 0.5 }],
    ['codec without decode', { codec: { encode: () => Buffer.alloc(0) } }],
    ['codec formatTag 256', { codec: { encode: () => Buffer.alloc(0), decode: () => 1, formatTag: 256 } }],
    ['reuseDetectionSeconds -1', { reuseDetectionSeconds: -1 }],
    ['reuseDetectionSeconds 0.5', { reuseDetectionSeconds: 0.5 }],
    ["reuseDetectionSeconds '60'", { reuseDetectionSeconds: '60' }],
    ['reuseDetectionSeconds NaN', { reuseDetectionSeconds: NaN }],
    ['reuseDetectionSeconds Infinity', { reuseDetectionSeconds: Infinity }],
    ['reuseDetectionSeconds 2^31 (past MAX_TTL_SECONDS)', { reuseDetectionSeconds: 2 ** 31 }],
    ['reuseDetectionSeconds true', { reuseDetectionSeconds: true }],
    ['reuseDetectionSeconds null', { reuseDetectionSeconds: null }],
    ["onReuse 'revoke'", { onReuse: 'revoke' }],
    ["onReuse 'REPORT'", { onReuse: 'REPORT' }],
    ["onReuse ''", { onReuse: '' }],
    ['onReuse 1', { onReuse: 1 }],
    ['onReuse a function', { onReuse: () => 'report' }],
  ];
  await admin.config('SET', 'notify-keyspace-events', '');
  const clientsBefore = String(await admin.client('LIST'))
    .trim()
    .split('\n').length;
  for (const [label, options] of bad) {
    const error = await t.throwsAsync(UserSessionRedisStorage.create({ client, ...options }), undefined, label);
    t.is((error as UserSessionStorageError).code, ErrorCode.INVALID_ARGUMENT, label);
  }
  const error = await t.throwsAsync(UserSessionRedisStorage.create(null as never));
  t.is((error as UserSessionStorageError).code, ErrorCode.INVALID_ARGUMENT);
  t.is((await admin.config('GET', 'notify-keyspace-events'))[1], '', 'no CONFIG SET');
  t.is(
    String(await admin.client('LIST'))
      .trim()
      .split('\n').length,
    clientsBefore,
    'no subscriber connection left open',
  );
  t.is(await admin.dbsize(), 0);
});

test.serial('glob characters in prefixes: each storage sees only its own sessions and events', async (t) => {
  const prefixes = ['g*', 'g?', 'g[', 'g\\', 'g', 'gx'];
  const stores = await Promise.all(prefixes.map(async (keyPrefix) => UserSessionRedisStorage.create({ client: await server.client(), keyPrefix })));
  const events = prefixes.map(() => [] as string[]);
  stores.forEach((s, i) => s.on('expired', (e) => events[i]!.push(e.sessionId)));
  for (const [i, s] of stores.entries()) await s.insert('u', `from-${prefixes[i]}`, i, 1);
  for (const [i, s] of stores.entries()) t.deepEqual([...(await s.readAll('u')).keys()], [`from-${prefixes[i]}`]);
  await waitFor('every expiry reported', () => events.every((e) => e.length > 0), 5000);
  await new Promise((r) => setTimeout(r, 200));
  for (const [i, e] of events.entries()) t.deepEqual(e, [`from-${prefixes[i]}`], `prefix ${prefixes[i]}`);
  await Promise.all(stores.map((s) => s.close()));
});

test('Lua scripts never build code or patterns from input', (t) => {
  const dir = new URL('../../lua/', import.meta.url);
  const files = [
    ...readdirSync(dir).map((f) => new URL(f, dir)),
    ...readdirSync(new URL('includes/', dir)).map((f) => new URL(`includes/${f}`, dir)),
  ].filter((u) => u.pathname.endsWith('.lua'));
  t.true(files.length > 10);
  for (const file of files) {
    const lua = readFileSync(file, 'utf8').replace(/--\[\[[\s\S]*?\]\]|--[^\n]*/g, '');
    for (const forbidden of [
      /\bload(string)?\s*\(/,
      /\bdofile\b/,
      /"KEYS"/,
      /"SCAN"|"HSCAN"/,
      /MATCH/,
      /"EVAL/,
      /string\.(find|match|gmatch|gsub)/,
    ]) {
      t.notRegex(lua, forbidden, `${file.pathname}`);
    }
  }
});
