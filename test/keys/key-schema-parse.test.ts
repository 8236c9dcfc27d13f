import test from 'ava';
import { KeySchema } from '../../src/keys/key-schema.js';

const keys = new KeySchema('sess');
const awkward = ['alice', 'a:b', '{x}', '}}', '%', '%25', '%7D', 'ünï cödé', 'line\nbreak', '}:i', 's:x}:s:y'];

test('parseIndexKey and parseValueKey invert indexKey and valueKey for any subject', (t) => {
  for (const subject of awkward) {
    t.deepEqual(keys.parseIndexKey(keys.indexKey(subject)), { subject }, subject);
    t.is(keys.parseValueKey(keys.indexKey(subject)), undefined, subject);
    for (const sessionId of ['s1', ':', '}', '{', 'a b']) {
      t.deepEqual(keys.parseValueKey(keys.valueKey(subject, sessionId)), { subject, sessionId }, `${subject} / ${sessionId}`);
      t.is(keys.parseIndexKey(keys.valueKey(subject, sessionId)), undefined);
    }
  }
});

test('keys no subject escapes to are not parsed as some other subject', (t) => {
  // '%41' unescapes to itself but escapes to '%2541': the key was not built by the schema.
  t.is(keys.parseIndexKey('sess:{%41}:i'), undefined);
  t.is(keys.parseValueKey('sess:{%41}:s:x'), undefined);
  t.is(keys.parseIndexKey('sess:{}:i'), undefined);
  t.is(keys.parseValueKey('sess:{}:s:x'), undefined);
  t.is(keys.parseValueKey('sess:{a}:s:'), undefined);
  t.is(keys.parseIndexKey('sess:{a}:ix'), undefined);
  t.is(keys.parseIndexKey('sess:{a}b}:i'), undefined);
  t.is(keys.parseIndexKey('other:{a}:i'), undefined);
  t.is(new KeySchema('sess:x').parseIndexKey('sess:{a}:i'), undefined);
});

test('scanPattern escapes glob characters of the prefix', (t) => {
  t.is(keys.scanPattern(), 'sess:{*}:*');
  t.is(new KeySchema('a*b?[c]\\').scanPattern(), 'a\\*b\\?\\[c\\]\\\\:{*}:*');
});
