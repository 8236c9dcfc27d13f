import test from 'ava';
import { KeySchema } from '../../src/keys/key-schema.js';

const awkward = ['a', 'a:b', 'a}', 'a%7D', '%', '%25', '%257D', '{', '}', '{}', '}{', 'x}:s:y', 'i', 's:', ':', 'é 🎉', '\n', '*?[\\'];

/** Redis's hash tag rule: the part between the first '{' and the next '}', if non-empty. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

test('no two (prefix, subject, sessionId) share a value key or an index key', (t) => {
  const seen = new Map<string, string>();
  for (const prefix of ['sess', 'sess:x', 'a', 'a:', ':']) {
    const keys = new KeySchema(prefix);
    for (const subject of awkward) {
      const index = keys.indexKey(subject);
      t.false(seen.has(index), `index of ${JSON.stringify([prefix, subject])} collides with ${seen.get(index)}`);
      seen.set(index, JSON.stringify([prefix, subject]));
      for (const sessionId of awkward) {
        const value = keys.valueKey(subject, sessionId);
        t.deepEqual(keys.sessionKeys(subject, sessionId), [value, index], 'sessionKeys builds the same two keys');
        t.false(seen.has(value), `value of ${JSON.stringify([prefix, subject, sessionId])} collides with ${seen.get(value)}`);
        seen.set(value, JSON.stringify([prefix, subject, sessionId]));
      }
    }
  }
});

test("all keys of a subject share one hash tag, and different subjects' tags differ", (t) => {
  const keys = new KeySchema('sess');
  const tags = new Set<string>();
  for (const subject of awkward) {
    const tag = hashTag(keys.indexKey(subject));
    for (const sessionId of awkward) t.is(hashTag(keys.valueKey(subject, sessionId)), tag);
    t.false(tags.has(tag));
    tags.add(tag);
  }
});

test('parseValueKey inverts valueKey and rejects every other key', (t) => {
  const keys = new KeySchema('sess:x');
  for (const subject of awkward) {
    for (const sessionId of awkward) {
      t.deepEqual(keys.parseValueKey(keys.valueKey(subject, sessionId)), { subject, sessionId });
    }
    t.is(keys.parseValueKey(keys.indexKey(subject)), undefined);
  }
  t.is(new KeySchema('sess').parseValueKey(keys.valueKey('a', 'b')), undefined, 'another prefix');
  t.is(keys.parseValueKey('sess:x:{}:s:a'), undefined);
  t.is(keys.parseValueKey('sess:x:{a}:s:'), undefined);
  t.is(keys.parseValueKey('unrelated'), undefined);
});
