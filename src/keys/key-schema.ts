/**
 * The one place that turns (prefix, subject, sessionId) into Redis keys and
 * back. Layout:
 *
 *   <prefix>:{<tag>}:i              index of a subject, a sorted set: sessionId scored by its expiry (ms)
 *   <prefix>:{<tag>}:s:<sessionId>  value of one session
 *   <prefix>:{<tag>}:r:<sessionId>  rotation marker of a rotated id, for reuse detection (lua/includes/reuse.lua)
 *
 * <tag> is the subject with '%' written as '%25' and '}' as '%7D'. Redis
 * hashes only what lies between the first '{' and the next '}', so the tag
 * must not contain '}': this keeps all keys of a subject in one slot (one
 * cluster shard, one atomic script). The escaping is injective, the prefix
 * cannot contain '{' (validate.ts), and the tag is followed by '}' — so no
 * two (prefix, subject, sessionId) share a key, whatever characters they use.
 * lua/includes/value-key.lua relies on the index key ending in "i" and the
 * value key replacing it with "s:<sessionId>".
 *
 *   <prefix>:{sid:<sessionId>}      a framework's session id (the express-session adapter): an anonymous
 *                                   session's value, or the pointer to the subject's index of a logged-in one
 *
 * A sid key is no subject's: it ends with '}', where every index and value
 * or marker key goes on after its tag with ":i", ":s:" or ":r:". It still starts with
 * "<prefix>:{", which the least-privilege ACL rule covers, and has no "}:"
 * for scanPattern() to match, so the CLI never takes it for a broken session.
 */

function escapeTag(subject: string): string {
  return subject.replace(/[%}]/g, (c) => (c === '%' ? '%25' : '%7D'));
}

function unescapeTag(tag: string): string {
  return tag.replace(/%25|%7D/g, (e) => (e === '%25' ? '%' : '}'));
}

/**
 * The subject a tag was built from, or undefined when no subject escapes to
 * it (empty, or a '%' not followed by 25/7D, as in a foreign key "{%41}"):
 * parsing must be the exact inverse of building, or a foreign key would be
 * taken for a session of another subject, with its index in another slot.
 */
function subjectOfTag(tag: string): string | undefined {
  if (tag.length === 0) return undefined;
  const subject = unescapeTag(tag);
  return escapeTag(subject) === tag ? subject : undefined;
}

/**
 * The text with the glob characters of Redis patterns (SCAN MATCH, KEYS,
 * PSUBSCRIBE) escaped, so that it matches only itself: a pattern is never
 * built from unescaped caller input.
 */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

export class KeySchema {
  constructor(readonly prefix: string) {}

  private subjectPart(subject: string): string {
    return `${this.prefix}:{${escapeTag(subject)}}:`;
  }

  indexKey(subject: string): string {
    return `${this.subjectPart(subject)}i`;
  }

  valueKey(subject: string, sessionId: string): string {
    return `${this.subjectPart(subject)}s:${sessionId}`;
  }

  /** KEYS of a one-session script: value key, index key (the subject escaped once for both: this is every operation's hot path). */
  sessionKeys(subject: string, sessionId: string): [valueKey: string, indexKey: string] {
    const part = this.subjectPart(subject);
    return [`${part}s:${sessionId}`, `${part}i`];
  }

  /**
   * KEYS of a script on one presented session: value key, index key and,
   * on a cluster (`withMarker`), the rotation marker of the id, which the
   * script reads only when there is no live session, to tell a reused
   * rotated id (lua/includes/reuse.lua; on one server it derives the key).
   */
  presentedKeys(subject: string, sessionId: string, withMarker: boolean): string[] {
    const part = this.subjectPart(subject);
    return withMarker ? [`${part}s:${sessionId}`, `${part}i`, `${part}r:${sessionId}`] : [`${part}s:${sessionId}`, `${part}i`];
  }

  /** The rotation marker key of a rotated id. */
  markerKey(subject: string, sessionId: string): string {
    return `${this.subjectPart(subject)}r:${sessionId}`;
  }

  /** The (subject, sessionId) of a rotation marker key of this prefix, or undefined for any other key. */
  parseMarkerKey(key: string): { subject: string; sessionId: string } | undefined {
    return this.parseSessionKey(key, ':r:');
  }

  /**
   * The sid key of a framework session id's hash (see the layout above):
   * its own hash tag, so sid keys spread over a cluster's slots. The id is
   * a base64url hash (sessionIdOfSecret), which never contains '}'.
   */
  sidKey(sessionId: string): string {
    return `${this.prefix}:{sid:${sessionId}}`;
  }

  /** The (subject, sessionId) of a value key of this prefix, or undefined for any other key. */
  parseValueKey(key: string): { subject: string; sessionId: string } | undefined {
    return this.parseSessionKey(key, ':s:');
  }

  private parseSessionKey(key: string, kind: ':s:' | ':r:'): { subject: string; sessionId: string } | undefined {
    const head = `${this.prefix}:{`;
    if (!key.startsWith(head)) return undefined;
    const close = key.indexOf('}', head.length);
    if (close < 0 || !key.startsWith(kind, close + 1)) return undefined;
    const subject = subjectOfTag(key.slice(head.length, close));
    const sessionId = key.slice(close + 4);
    if (subject === undefined || sessionId.length === 0) return undefined;
    return { subject, sessionId };
  }

  /** The subject of an index key of this prefix, or undefined for any other key. */
  parseIndexKey(key: string): { subject: string } | undefined {
    const head = `${this.prefix}:{`;
    if (!key.startsWith(head) || !key.endsWith('}:i')) return undefined;
    const close = key.indexOf('}', head.length);
    if (close !== key.length - 3) return undefined;
    const subject = subjectOfTag(key.slice(head.length, close));
    return subject === undefined ? undefined : { subject };
  }

  /**
   * SCAN MATCH pattern for every key of this prefix (indexes and values),
   * and of no other prefix: a prefix cannot contain '{', so "<prefix>:{"
   * names exactly one prefix. Glob characters of the prefix are escaped.
   */
  scanPattern(): string {
    return `${escapeGlob(this.prefix)}:{*}:*`;
  }
}
