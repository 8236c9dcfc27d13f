import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { Redis } from 'ioredis';
import { KeySchema } from '../../src/keys/key-schema.js';
import { TestRedis } from '../helpers/redis-server.js';
import { sleep, waitFor } from '../helpers/wait.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TTL_SECONDS = 600;
const keys = new KeySchema('sess');

const userAgents = {
  laptop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  phone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  tablet: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
};

let redis: TestRedis;
let client: Redis;
let server: ChildProcess;
let base: string;
/** Everything the example printed on stdout: its event log. */
const output: string[] = [];
/** The secret part of every token the example issued, to look for where it must never be. */
const secrets = new Set<string>();
/** The session id of every token the example issued. */
const issuedIds = new Set<string>();

/** The example's own entry point, started the way its README starts it: a real process on a real port. */
test.before(async () => {
  redis = await TestRedis.start();
  client = await redis.client();
  server = spawn(
    process.execPath,
    ['--conditions=user-session-redis-storage-source', '--import', 'tsx', join(root, 'examples', 'express-login', 'server.ts')],
    {
      cwd: root,
      env: { ...process.env, REDIS_URL: redis.url, PORT: '0', SESSION_LIMIT: '2', SESSION_TTL_SECONDS: String(TTL_SECONDS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = once(server, 'exit').then(([code]) => {
    throw new Error(`the example exited with code ${String(code)} before listening`);
  });
  const listening = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: server.stdout! });
    lines.on('line', (line) => {
      output.push(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    lines.on('close', () => reject(new Error('the example closed its output before listening')));
  });
  base = await Promise.race([listening, exited]);
});

test.after.always(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  await redis?.stop();
});

interface Reply {
  error?: string;
  token?: string;
  subject?: string;
  sessionId?: string;
  expiresAt?: number;
  session?: { ip?: string; createdAt?: number; location?: Record<string, unknown> };
  sessions?: { sessionId: string; current: boolean; expiresAt: number; device?: Record<string, unknown> }[];
  ended?: number;
}

async function call(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  userAgent?: string,
): Promise<{ status: number; json: Reply; text: string }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (userAgent) headers['user-agent'] = userAgent;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const json = (text ? JSON.parse(text) : {}) as Reply;
  if (json.token) {
    secrets.add(json.token.slice(json.token.indexOf('.') + 1));
    issuedIds.add(json.sessionId!);
  }
  return { status: response.status, json, text };
}

interface Issued {
  token: string;
  sessionId: string;
}

/** Logs in; `presented` is a token the client still holds (sent as the Authorization header). */
async function login(username: string, device: keyof typeof userAgents, extra: object = {}, presented?: string): Promise<Issued> {
  const password = username === 'alice' ? 'wonderland' : 'builder';
  const { status, json } = await call('POST', '/login', presented, { username, password, ...extra }, userAgents[device]);
  if (status !== 201) throw new Error(`login of ${username} failed with ${status}: ${JSON.stringify(json)}`);
  return json as Issued;
}

async function sessionsOf(token: string): Promise<NonNullable<Reply['sessions']>> {
  const { status, json } = await call('GET', '/sessions', token);
  if (status !== 200) throw new Error(`GET /sessions answered ${status}`);
  return json.sessions!;
}

const meStatus = async (token: string): Promise<number> => (await call('GET', '/me', token)).status;

// The flows share users' sessions, so they run in order, as the users would.
test.serial('a wrong password gets 401 and creates no session', async (t) => {
  const { status, json } = await call('POST', '/login', undefined, { username: 'alice', password: 'nope' });
  t.is(status, 401);
  t.regex(json.error!, /wrong username or password/);
  t.is((await call('POST', '/login', undefined, { username: 'mallory', password: '' })).status, 401);
  t.is(await client.dbsize(), 0);
});

let laptop: Issued;
let phone: Issued;

test.serial('login issues a token whose secret the storage never sees; the auth middleware reads the metadata back', async (t) => {
  laptop = await login('alice', 'laptop', { location: { countryCode: 'DE', city: 'Berlin', latitude: 52.52, injected: 'dropped' } });
  t.regex(laptop.token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  t.false(laptop.token.includes(laptop.sessionId), 'the id is a hash of the secret, not a part of the token');
  t.deepEqual((await client.keys('*')).sort(), [keys.indexKey('alice'), keys.valueKey('alice', laptop.sessionId)].sort());
  const { status, json } = await call('GET', '/me', laptop.token);
  t.is(status, 200);
  t.is(json.subject, 'alice');
  t.is(json.sessionId, laptop.sessionId);
  t.like(json.session, {
    ip: '127.0.0.1',
    device: { name: 'Chrome on Windows', type: 'desktop', client: 'Chrome 120', os: 'Windows 10' },
    location: { countryCode: 'DE', city: 'Berlin', latitude: 52.52 },
  });
  t.false('injected' in json.session!.location!);
  t.true(Number.isInteger(json.session!.createdAt));
  t.is(json.expiresAt, Number(await client.call('PEXPIRETIME', keys.valueKey('alice', laptop.sessionId))));
});

test.serial('a request slides the expiry once the session has used up a minute of it (readAndTouch), not on every request', async (t) => {
  const valueKey = keys.valueKey('alice', laptop.sessionId);
  // Pretend the session is about to expire: its value and index entry, as the storage keeps them.
  const soon = Date.now() + 5_000;
  await client.pexpireat(valueKey, soon);
  await client.zadd(keys.indexKey('alice'), 'XX', soon, laptop.sessionId);
  t.is(await meStatus(laptop.token), 200);
  const slid = Number(await client.call('PEXPIRETIME', valueKey));
  t.true(slid > Date.now() + (TTL_SECONDS - 60) * 1000, 'the full idle timeout back');
  // Less than a minute of it used: the next request writes nothing (minRemainingSeconds).
  await sleep(5);
  t.is(await meStatus(laptop.token), 200);
  t.is(Number(await client.call('PEXPIRETIME', valueKey)), slid);
});

test.serial('GET /sessions lists every device with its expiry and marks the current one; no token in it', async (t) => {
  phone = await login('alice', 'phone');
  const { status, json, text } = await call('GET', '/sessions', laptop.token);
  t.is(status, 200);
  const byId = new Map(json.sessions!.map((s) => [s.sessionId, s]));
  t.is(byId.size, 2);
  t.like(byId.get(laptop.sessionId), { current: true, device: { type: 'desktop' } });
  t.like(byId.get(phone.sessionId), { current: false, device: { name: 'Apple iPhone', type: 'mobile', os: 'iOS 17.1' } });
  for (const [id, session] of byId) t.is(session.expiresAt, Number(await client.call('PEXPIRETIME', keys.valueKey('alice', id))));
  for (const secret of secrets) t.false(text.includes(secret));
});

test.serial('the exploit of issue 13 is closed: no id GET /sessions lists makes a working token', async (t) => {
  const listed = await sessionsOf(laptop.token);
  const other = listed.find((s) => !s.current)!;
  t.is(other.sessionId, phone.sessionId);
  const subject = Buffer.from('alice').toString('base64url');
  // What an attacker can build from a listed id: the old token format, the raw id, a token of the id as its secret.
  const forged = [`${subject}.${other.sessionId}`, other.sessionId, ...listed.map((s) => `${subject}.${s.sessionId}`)];
  for (const token of forged) {
    t.is(await meStatus(token), 401, token);
    t.is((await call('GET', '/sessions', token)).status, 401, token);
    t.is((await call('POST', '/refresh', token)).status, 401, token);
    t.is((await call('POST', '/logout-all', token)).status, 401, token);
  }
  // The 401s are not because the phone's session ended: it still works, and nothing was revoked.
  t.is(await meStatus(phone.token), 200);
  t.is((await sessionsOf(laptop.token)).length, 2);
});

test.serial('DELETE /sessions/:id ends a session on another device, whose next request is rejected', async (t) => {
  t.is(await meStatus(phone.token), 200);
  t.is((await call('DELETE', `/sessions/${phone.sessionId}`, laptop.token)).status, 204);
  const rejected = await call('GET', '/me', phone.token);
  t.is(rejected.status, 401);
  t.regex(rejected.json.error!, /session has ended/);
  t.is((await call('DELETE', `/sessions/${phone.sessionId}`, laptop.token)).status, 404);
  t.is(await meStatus(laptop.token), 200);
});

let tablet: Issued;

test.serial('past the limit of 2, a login ends the session that would expire first (evict-oldest)', async (t) => {
  // Expiries are kept in milliseconds of the server clock: make sure it has moved on since the laptop's last request.
  await sleep(5);
  tablet = await login('alice', 'tablet');
  await sleep(5);
  phone = await login('alice', 'phone');
  t.is(await meStatus(laptop.token), 401);
  t.is(await meStatus(tablet.token), 200);
  t.is(await meStatus(phone.token), 200);
  const sessions = await sessionsOf(tablet.token);
  t.deepEqual(sessions.map((s) => s.sessionId).sort(), [tablet.sessionId, phone.sessionId].sort());
  t.like(
    sessions.find((s) => s.sessionId === tablet.sessionId),
    { device: { name: 'Apple iPad', type: 'tablet' } },
  );
});

test.serial('POST /logout-others ends every other session of the user and keeps the current one', async (t) => {
  const bob = await login('bob', 'laptop');
  const { status, json } = await call('POST', '/logout-others', tablet.token);
  t.is(status, 200);
  t.deepEqual(json, { ended: 1 });
  t.is(await meStatus(phone.token), 401);
  t.is(await meStatus(tablet.token), 200);
  t.deepEqual(
    (await sessionsOf(tablet.token)).map((s) => s.sessionId),
    [tablet.sessionId],
  );
  t.is(await meStatus(bob.token), 200, "another user's sessions are untouched");
  t.is((await call('POST', '/logout', bob.token)).status, 204);
});

test.serial('a login that presents a live token of the user rotates it (session fixation): one session, a new id', async (t) => {
  const before = tablet;
  tablet = await login('alice', 'tablet', {}, before.token);
  t.not(tablet.sessionId, before.sessionId);
  t.deepEqual(
    (await sessionsOf(tablet.token)).map((s) => [s.sessionId, s.current]),
    [[tablet.sessionId, true]],
    'the old session was replaced, not joined by a second one',
  );
  await waitFor('the rotated event', () => output.includes(`session rotated: alice ${before.sessionId}`));
  // The token the device held before the login is dead; presenting it again is a replay, which also ends its successor.
  t.is(await meStatus(before.token), 401);
  t.is(await meStatus(tablet.token), 401);
  await waitFor('the reuse to be logged', () => output.some((line) => line.startsWith(`session reused: alice ${before.sessionId}`)));

  // A token of another user presented at login is ended: one device, one session.
  const bob = await login('bob', 'laptop');
  tablet = await login('alice', 'tablet', {}, bob.token);
  t.is(await meStatus(bob.token), 401);
  t.is(await meStatus(tablet.token), 200);
});

test.serial('POST /refresh rotates the token; replaying the old one is a reuse that revokes the new one too', async (t) => {
  // The owner refreshes, then a thief replays the token it stole before.
  const first = await login('bob', 'laptop');
  const refreshed = await call('POST', '/refresh', first.token);
  t.is(refreshed.status, 200);
  const second = refreshed.json as Issued;
  t.not(second.sessionId, first.sessionId);
  t.like(await call('GET', '/me', second.token), { status: 200, json: { subject: 'bob', session: { device: { name: 'Chrome on Windows' } } } });
  t.deepEqual(
    (await sessionsOf(second.token)).map((s) => s.sessionId),
    [second.sessionId],
    'replaced, not added',
  );
  t.is(await meStatus(first.token), 401);
  await waitFor('the reuse to be logged', () => output.some((line) => line.startsWith(`session reused: bob ${first.sessionId}`)));
  await waitFor('the family revoked', () => output.includes(`session deleted: bob ${second.sessionId}`));
  t.is(await meStatus(second.token), 401);
  t.is((await call('POST', '/refresh', second.token)).status, 401);

  // The thief refreshes first: the owner's next request with the old token revokes the thief's new one.
  const owner = await login('bob', 'laptop');
  const thief = (await call('POST', '/refresh', owner.token)).json as Issued;
  t.is(await meStatus(thief.token), 200);
  t.is(await meStatus(owner.token), 401);
  t.is(await meStatus(thief.token), 401);
  await waitFor('the reuse to be logged', () => output.some((line) => line.startsWith(`session reused: bob ${owner.sessionId}`)));
});

test.serial('no key, value or log line holds a token secret; every stored id is an issued session id', async (t) => {
  // Live sessions and rotation markers of the flows above, plus a fresh rotation.
  const bob = await login('bob', 'phone');
  t.is((await call('POST', '/refresh', bob.token)).status, 200);
  t.is(secrets.size, issuedIds.size);
  const needles = [...secrets].flatMap((secret) => [Buffer.from(secret), Buffer.from(secret, 'base64url')]);
  const stored: Buffer[] = [];
  for (const key of await client.keysBuffer('*')) {
    stored.push(key);
    const session = keys.parseValueKey(key.toString()) ?? keys.parseMarkerKey(key.toString());
    if (session) t.true(issuedIds.has(session.sessionId), key.toString());
    const type = await client.type(key);
    if (type === 'string') stored.push((await client.getBuffer(key))!);
    else if (type === 'zset') stored.push(...(await client.zrangeBuffer(key, '0', '-1')));
    else t.fail(`unexpected ${type} key ${key.toString()}`);
  }
  t.true(stored.length > 10);
  for (const bytes of [...stored, Buffer.from(output.join('\n'))]) {
    for (const needle of needles) t.false(bytes.includes(needle));
  }
});

test.serial('POST /logout-all ends every session of the user only; POST /logout ends the current one', async (t) => {
  const bob = await login('bob', 'laptop');
  const phone3 = await login('alice', 'phone');
  const { status, json } = await call('POST', '/logout-all', tablet.token);
  t.is(status, 200);
  t.deepEqual(json, { ended: 2 });
  t.is(await meStatus(tablet.token), 401);
  t.is(await meStatus(phone3.token), 401);
  t.is((await call('GET', '/sessions', phone3.token)).status, 401);
  t.is(await meStatus(bob.token), 200);

  t.is((await call('POST', '/logout-all', bob.token)).status, 200);
  t.is(await meStatus(bob.token), 401);
  // Every session has ended: what is left are the rotated ids, remembered for reuse detection until they expire.
  const left = await client.keys('*');
  t.true(left.length > 0);
  t.deepEqual(
    left.filter((key) => !keys.parseMarkerKey(key)),
    [],
  );
});

test.serial('requests without a well-formed token for a live session are rejected', async (t) => {
  const alice = Buffer.from('alice').toString('base64url');
  t.is((await call('GET', '/me')).status, 401);
  t.is((await call('GET', '/sessions', 'garbage')).status, 401);
  t.is(await meStatus(`${alice}.${'A'.repeat(43)}`), 401);
  t.is((await call('POST', '/refresh', `${alice}.${'A'.repeat(43)}`)).status, 401);
  t.is((await call('POST', '/logout-all', `${Buffer.from('nobody').toString('base64url')}.${'A'.repeat(43)}`)).status, 401);
  t.is((await call('POST', '/logout', `${alice}.${'A'.repeat(43)}.extra`)).status, 401);
});
