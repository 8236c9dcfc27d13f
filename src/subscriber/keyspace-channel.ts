/**
 * The key a keyspace notification is about. The channel is
 * `__keyspace@<db>__:<key>`: the first `__:` ends the fixed part (the db is
 * a number), so a key that itself contains `__:` is still read whole.
 */
export function keyOfChannel(channel: string): string | undefined {
  const at = channel.indexOf('__:');
  return at < 0 ? undefined : channel.slice(at + 3);
}
