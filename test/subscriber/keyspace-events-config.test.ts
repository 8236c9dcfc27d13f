import test from 'ava';
import { missingFlags } from '../../src/subscriber/keyspace-events-config.js';

test('missingFlags names what the subscriber still needs: K, x and e (A counts for x and e)', (t) => {
  t.is(missingFlags(''), 'Kxe');
  t.is(missingFlags('Ex'), 'Ke');
  t.is(missingFlags('KA'), '');
  t.is(missingFlags('AE'), 'K');
  t.is(missingFlags('xeK'), '');
  t.is(missingFlags('Kg$'), 'xe');
});
