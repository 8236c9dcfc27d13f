import test from 'ava';
import { cookieExpired, slideTtlSeconds, storeTtlSeconds } from '../../../src/adapters/express-session/session-ttl.js';

const now = Date.parse('2026-01-01T00:00:00.000Z');

test('the store TTL runs to the cookie expiry, rounded up to a second, as connect-redis counts it', (t) => {
  t.is(storeTtlSeconds({ cookie: { expires: new Date(now + 60_000), originalMaxAge: 60_000 } }, 86_400, now), 60);
  t.is(storeTtlSeconds({ cookie: { expires: new Date(now + 1_001).toISOString(), originalMaxAge: null } }, 86_400, now), 2);
  t.true(storeTtlSeconds({ cookie: { expires: new Date(now - 1), originalMaxAge: 60_000 } }, 86_400, now) <= 0);
});

test('a browser-session cookie (no expiry) gets the default TTL, and slides by it', (t) => {
  t.is(storeTtlSeconds({ cookie: { expires: null, originalMaxAge: null } }, 7_200, now), 7_200);
  t.is(storeTtlSeconds({}, 7_200, now), 7_200);
  t.is(slideTtlSeconds({ cookie: { expires: null, originalMaxAge: null } }, 7_200), 7_200);
});

test('a request slides by the maxAge; a fixed expiry without maxAge never slides', (t) => {
  t.is(slideTtlSeconds({ cookie: { expires: new Date(now + 5_000), originalMaxAge: 3_600_500 } }, 86_400), 3_601);
  t.is(slideTtlSeconds({ cookie: { expires: new Date(now + 5_000), originalMaxAge: null } }, 86_400), 0);
});

test('a cookie past its expiry has expired; one without expiry never does', (t) => {
  t.true(cookieExpired({ cookie: { expires: new Date(now).toISOString() } }, now));
  t.false(cookieExpired({ cookie: { expires: new Date(now + 1).toISOString() } }, now));
  t.false(cookieExpired({ cookie: { expires: null } }, now));
  t.false(cookieExpired({ cookie: { expires: 'not a date' } }, now));
});
