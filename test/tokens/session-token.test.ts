import test from 'ava';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { createSessionToken, parseSessionToken, sessionIdOfSecret } from '../../src/index.js';
import { MAX_ID_BYTES } from '../../src/validation/validate.js';

test('a token parses back to its subject and to the id createSessionToken gave', (t) => {
  for (const subject of ['alice', 'ü:{x}%7D', '😀'.repeat(10), 'a'.repeat(MAX_ID_BYTES)]) {
    const { token, sessionId } = createSessionToken(subject);
    t.deepEqual(parseSessionToken(token), { subject, sessionId });
  }
});

test('the id is the SHA-256 of the secret, and neither the token nor its secret appears in it', (t) => {
  const { token, sessionId } = createSessionToken('alice');
  const secret = token.split('.')[1]!;
  t.is(Buffer.from(secret, 'base64url').length, 32, '256 bits of secret');
  t.is(sessionId, createHash('sha256').update(secret).digest('base64url'));
  t.is(sessionIdOfSecret(secret), sessionId);
  t.false(sessionId.includes(secret));
});

test('every token is new', (t) => {
  const ids = new Set(Array.from({ length: 1000 }, () => createSessionToken('alice').sessionId));
  t.is(ids.size, 1000);
});

test('createSessionToken refuses a subject the storage would refuse', (t) => {
  for (const bad of ['', '\uD800', 'a'.repeat(MAX_ID_BYTES + 1), 42 as unknown as string]) {
    t.throws(() => createSessionToken(bad), { instanceOf: TypeError });
  }
});

test('parseSessionToken answers undefined for malformed tokens and never throws', (t) => {
  const { token } = createSessionToken('alice');
  const [subjectPart, secret] = token.split('.') as [string, string];
  const malformed: unknown[] = [
    undefined,
    null,
    42,
    {},
    '',
    '.',
    secret,
    `.${secret}`,
    `${subjectPart}.`,
    `${subjectPart}.${secret}.x`,
    `${subjectPart}.${secret.slice(1)}`,
    `${subjectPart}.${secret}A`,
    `${subjectPart}=.${secret}`,
    `${subjectPart}.${secret.slice(0, -1)}*`,
    // Non-canonical last character (its low bits are not zero).
    `${subjectPart}.${secret.slice(0, -1)}${secret.endsWith('B') ? 'C' : 'B'}`,
    // Invalid UTF-8 in the subject part.
    `${Buffer.from([0xff, 0xfe]).toString('base64url')}.${secret}`,
    `${'A'.repeat(3000)}.${secret}`,
  ];
  for (const input of malformed) t.is(parseSessionToken(input), undefined, String(input).slice(0, 60));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), (input) => {
      const parsed = parseSessionToken(input);
      return parsed === undefined || (typeof input === 'string' && parsed.subject.length > 0);
    }),
    { numRuns: 2000 },
  );
});
