import test from 'ava';
import { classifyInvariant, INVARIANT_CODES, type InvariantFinding } from '../../src/invariant/classify.js';
import type { IndexState, PrefixSnapshot, SubjectSnapshot, ValueState } from '../../src/invariant/snapshot.js';
import { KeySchema } from '../../src/keys/key-schema.js';

// Pure: snapshots are written by hand, no Redis. Each test breaks one thing of a healthy subject.
const keys = new KeySchema('p');
const NOW = 1_700_000_000_000;
const T1 = NOW + 60_000;
const T2 = NOW + 120_000;
const GRACE = 5_000;

function index(entries: Record<string, string | number>, expiresAt: number | null = T2 + GRACE, type = 'zset'): IndexState {
  const recorded = new Map(Object.entries(entries).map(([id, score]) => [id, String(score)]));
  return { key: keys.indexKey('u'), type, expiresAt, entries: type === 'zset' ? recorded : new Map() };
}

function value(sessionId: string, expiresAt: number | null, type = 'string'): ValueState {
  return { key: keys.valueKey('u', sessionId), type, expiresAt, sessionId };
}

function healthy(): SubjectSnapshot {
  return { subject: 'u', index: index({ a: T1, b: T2 }), values: [value('a', T1), value('b', T2)] };
}

function classify(subject: SubjectSnapshot, extra: Partial<PrefixSnapshot> = {}): { findings: InvariantFinding[]; live: number } {
  return classifyInvariant({ prefix: 'p', now: NOW, subjects: [subject], foreignKeys: [], ...extra });
}

test('a healthy subject: no finding, every session live', (t) => {
  t.deepEqual(classify(healthy()), { findings: [], live: 2 });
});

test('stale-entry: an entry without value, expired once its recorded expiry has passed', (t) => {
  const vanished = classify({ ...healthy(), values: [value('b', T2)] });
  t.deepEqual(vanished.findings, [
    { code: 'stale-entry', key: keys.valueKey('u', 'a'), subject: 'u', sessionId: 'a', recordedExpiry: T1, expired: false },
  ]);
  t.is(vanished.live, 1);
  const ended = classify({ subject: 'u', index: index({ a: NOW - 10, b: T2 }), values: [value('b', T2)] });
  t.like(ended.findings, [{ code: 'stale-entry', sessionId: 'a', expired: true }]);
  // Within the clock slack of now: still counted as ended, not as vanished.
  t.like(classify({ subject: 'u', index: index({ a: NOW + 1, b: T2 }), values: [value('b', T2)] }).findings, [{ expired: true }]);
});

test('orphan-value: a value without entry, or without index', (t) => {
  t.deepEqual(classify({ ...healthy(), index: index({ b: T2 }) }).findings, [
    { code: 'orphan-value', key: keys.valueKey('u', 'a'), subject: 'u', sessionId: 'a' },
  ]);
  t.deepEqual(
    classify({ ...healthy(), index: undefined }).findings.map((f) => f.code),
    ['orphan-value', 'orphan-value'],
  );
});

test('value-without-ttl: a value that never expires also departs from its recorded expiry', (t) => {
  t.deepEqual(classify({ ...healthy(), values: [value('a', null), value('b', T2)] }).findings, [
    { code: 'value-expiry-mismatch', key: keys.valueKey('u', 'a'), valueExpiry: null, recordedExpiry: T1 },
    { code: 'value-without-ttl', key: keys.valueKey('u', 'a') },
  ]);
});

test('value-expiry-mismatch: a value expiring at another instant than its entry records, beyond the slack', (t) => {
  t.deepEqual(classify({ ...healthy(), values: [value('a', T1 + 2), value('b', T2 - 1)] }).findings, [
    { code: 'value-expiry-mismatch', key: keys.valueKey('u', 'a'), valueExpiry: T1 + 2, recordedExpiry: T1 },
  ]);
});

test('index-without-ttl: an index that never expires', (t) => {
  t.deepEqual(classify({ ...healthy(), index: index({ a: T1, b: T2 }, null) }).findings, [{ code: 'index-without-ttl', key: keys.indexKey('u') }]);
});

test('index-expires-early: an index expiring before its longest live session, not before an ended one', (t) => {
  t.deepEqual(classify({ ...healthy(), index: index({ a: T1, b: T2 }, T2 - 2) }).findings, [
    { code: 'index-expires-early', key: keys.indexKey('u'), indexExpiry: T2 - 2, longestSession: T2 },
  ]);
  t.deepEqual(classify({ ...healthy(), index: index({ a: T1, b: T2 }, T2 - 1) }).findings, [], 'within the slack');
  const onlyStaleLonger = classify({ subject: 'u', index: index({ a: T1, b: T2 }, T1), values: [value('a', T1)] });
  t.deepEqual(
    onlyStaleLonger.findings.map((f) => f.code),
    ['stale-entry'],
  );
});

test('a read of single entries (partialIndex) leaves the index TTL to the read of the whole index', (t) => {
  const partial: SubjectSnapshot = { subject: 'u', index: index({ a: T1 }, null), partialIndex: true, values: [value('a', T1)] };
  t.deepEqual(classify(partial), { findings: [], live: 1 });
});

test('bad-expiry: an entry whose recorded expiry is no whole number of ms', (t) => {
  for (const recorded of ['1.5', 'inf', '-inf', 'nan', '1e300']) {
    t.deepEqual(
      classify({ ...healthy(), index: index({ a: recorded, b: T2 }) }).findings,
      [{ code: 'bad-expiry', key: keys.indexKey('u'), sessionId: 'a', recorded }],
      recorded,
    );
  }
});

test('wrong-type: an index that is not a sorted set (its values are then not judged orphans), a value that is not a string', (t) => {
  t.deepEqual(classify({ ...healthy(), index: index({}, T2, 'hash') }).findings, [{ code: 'wrong-type', key: keys.indexKey('u'), type: 'hash' }]);
  const typed = classify({ ...healthy(), values: [value('a', T1, 'list'), value('b', T2)] });
  t.deepEqual(typed.findings, [{ code: 'wrong-type', key: keys.valueKey('u', 'a'), type: 'list' }]);
  t.is(typed.live, 1);
});

test('foreign-key: keys outside the layout are reported as the reader lists them', (t) => {
  t.deepEqual(classify(healthy(), { foreignKeys: ['p:stray', 'p:{%41}:i'] }).findings, [
    { code: 'foreign-key', key: 'p:stray' },
    { code: 'foreign-key', key: 'p:{%41}:i' },
  ]);
});

test('every code is covered by a test above', (t) => {
  const tested = [
    'stale-entry',
    'orphan-value',
    'value-without-ttl',
    'value-expiry-mismatch',
    'index-without-ttl',
    'index-expires-early',
    'bad-expiry',
    'wrong-type',
    'foreign-key',
  ];
  t.deepEqual([...INVARIANT_CODES].sort(), tested.sort());
});
