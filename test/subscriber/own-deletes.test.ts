import test from 'ava';
import { OwnDeletes } from '../../src/subscriber/own-deletes.js';

test('a key deleted by this instance is taken once, for its one del notification', (t) => {
  const own = new OwnDeletes();
  own.add('k');
  t.true(own.take('k'));
  t.false(own.take('k'), 'a second del of the key (from outside, after a new insert) is cleaned up');
  t.false(own.take('other'));
});

test('keys whose notification never came are forgotten: past the age limit and beyond the size limit', (t) => {
  const own = new OwnDeletes(3, 1000);
  own.add('old', 0);
  own.add('a', 700);
  own.add('b', 1600);
  t.false(own.take('old'), 'older than 1000 ms when b was added');
  t.true(own.take('a'));
  for (const key of ['c', 'd', 'e', 'f']) own.add(key, 1700);
  t.is(own.size, 3);
  t.false(own.take('b'), 'the oldest beyond 3 keys');
  t.true(own.take('f'));
});
