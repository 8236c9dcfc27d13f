import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * A stand-in for the application's user database: two demo users whose
 * passwords are kept only as scrypt hashes, compared in constant time.
 */
const salt = randomBytes(16);
const hash = (password: string): Buffer => scryptSync(password, salt, 32);
const users = new Map<string, Buffer>([
  ['alice', hash('wonderland')],
  ['bob', hash('builder')],
]);
const nobody = hash('');

/** True when the username exists and the password is its password. */
export function checkPassword(username: unknown, password: unknown): username is string {
  if (typeof username !== 'string' || typeof password !== 'string') return false;
  // Hash even for unknown users, so the response time does not tell which usernames exist.
  const expected = users.get(username) ?? nobody;
  return timingSafeEqual(hash(password), expected) && users.has(username);
}
