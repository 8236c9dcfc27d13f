import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { Redis } from 'ioredis';
import { KeySchema } from '../../src/keys/key-schema.js';
import { TestRedis } from '../helpers/redis-server.js';
import { sleep } from '../helpers/wait.js';

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
  const lines = createInterface({ input: server.stdout! });
  const exited = once(server, 'exit').then(([code]) => {
    throw new Error(`the example exited with code ${String(code)} before listening`);
  });
  const listening = (async () => {
    for await (const line of lines) {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) return match[1]!;
    }
    throw new Error('the example closed its output before listening');
  })();
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
  subject?: string;
  sessionId?: string;
  session?: { ip?: string; createdAt?: number; location?: Record<string, unknown> };
  sessions?: { sessionId: string; current: boolean; device?: Record<string, unknown> }[];
  ended?: number;
}

async function call(method: string, path: string, token?: string, body?: unknown, userAgent?: string): Promise<{ status: number; json: Reply }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (userAgent) headers['user-agent'] = userAgent;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Reply };
}

async function login(username: string, device: keyof typeof userAgents, extra: object = {}): Promise<{ token: string; sessionId: string }> {
  const password = username === 'alice' ? 'wonderland' : 'builder';
  const { status, json } = await call('POST', '/login', undefined, { username, password, ...extra }, userAgents[device]);
  if (status !== 201) throw new Error(`login of ${username} failed with ${status}: ${JSON.stringify(json)}`);
  return json as { token: string; sessionId: string };
}

// The flows share one user's sessions, so they run in order, as one user would.
test.serial('a wrong password gets 401 and creates no session', async (t) => {
  const { status, json } = await call('POST', '/login', undefined, { username: 'alice', password: 'nope' });
  t.is(status, 401);
  t.regex(json.error!, /wrong username or password/);
  t.is((await call('POST', '/login', undefined, { username: 'mallory', password: '' })).status, 401);
  t.is(await client.dbsize(), 0);
});

let laptop: { token: string; sessionId: string };
let phone: { token: string; sessionId: string };

test.serial('login stores IP, parsed device and the given location; the auth middleware reads them back', async (t) => {
  laptop = await login('alice', 'laptop', { location: { countryCode: 'DE', city: 'Berlin', latitude: 52.52, injected: 'dropped' } });
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
});

test.serial('every authenticated request slides the session TTL (touch)', async (t) => {
  // Pretend the session is about to expire; one request must give it its full idle timeout back.
  await client.pexpire(keys.valueKey('alice', laptop.sessionId), 5_000);
  t.is((await call('GET', '/me', laptop.token)).status, 200);
  t.true((await client.pttl(keys.valueKey('alice', laptop.sessionId))) > (TTL_SECONDS - 60) * 1000);
});

test.serial('GET /sessions lists every device of the user and marks the current one', async (t) => {
  phone = await login('alice', 'phone');
  const { status, json } = await call('GET', '/sessions', laptop.token);
  t.is(status, 200);
  const byId = new Map(json.sessions!.map((s) => [s.sessionId, s]));
  t.is(byId.size, 2);
  t.like(byId.get(laptop.sessionId), { current: true, device: { type: 'desktop' } });
  t.like(byId.get(phone.sessionId), { current: false, device: { name: 'Apple iPhone', type: 'mobile', os: 'iOS 17.1' } });
});

test.serial('DELETE /sessions/:id ends a session on another device, whose next request is rejected', async (t) => {
  t.is((await call('GET', '/me', phone.token)).status, 200);
  t.is((await call('DELETE', `/sessions/${phone.sessionId}`, laptop.token)).status, 204);
  const rejected = await call('GET', '/me', phone.token);
  t.is(rejected.status, 401);
  t.regex(rejected.json.error!, /session has ended/);
  t.is((await call('DELETE', `/sessions/${phone.sessionId}`, laptop.token)).status, 404);
  t.is((await call('GET', '/me', laptop.token)).status, 200);
});

test.serial('past the limit of 2, a login ends the session that would expire first (evict-oldest)', async (t) => {
  // Expiries are kept in milliseconds of the server clock: make sure it has moved on since the laptop's last request.
  await sleep(5);
  const tablet = await login('alice', 'tablet');
  await sleep(5);
  const phone2 = await login('alice', 'phone');
  t.is((await call('GET', '/me', laptop.token)).status, 401);
  t.is((await call('GET', '/me', tablet.token)).status, 200);
  t.is((await call('GET', '/me', phone2.token)).status, 200);
  const { json } = await call('GET', '/sessions', tablet.token);
  t.deepEqual(json.sessions!.map((s) => s.sessionId).sort(), [tablet.sessionId, phone2.sessionId].sort());
  t.like(
    json.sessions!.find((s) => s.sessionId === tablet.sessionId),
    { device: { name: 'Apple iPad', type: 'tablet' } },
  );
});

test.serial('POST /logout-all ends every session of the user only; POST /logout ends the current one', async (t) => {
  const bob = await login('bob', 'laptop');
  const tablet = await login('alice', 'tablet');
  const phone3 = await login('alice', 'phone');
  const { status, json } = await call('POST', '/logout-all', tablet.token);
  t.is(status, 200);
  t.deepEqual(json, { ended: 2 });
  t.is((await call('GET', '/me', tablet.token)).status, 401);
  t.is((await call('GET', '/me', phone3.token)).status, 401);
  t.is((await call('GET', '/sessions', phone3.token)).status, 401);
  t.is((await call('GET', '/me', bob.token)).status, 200);

  t.is((await call('POST', '/logout', bob.token)).status, 204);
  t.is((await call('GET', '/me', bob.token)).status, 401);
  // Every session has ended: the storage has left nothing in Redis.
  t.is(await client.dbsize(), 0);
});

test.serial('requests without a well-formed token for a live session are rejected', async (t) => {
  t.is((await call('GET', '/me')).status, 401);
  t.is((await call('GET', '/sessions', 'garbage')).status, 401);
  t.is((await call('GET', '/me', `${Buffer.from('alice').toString('base64url')}.${'A'.repeat(32)}`)).status, 401);
  t.is((await call('POST', '/logout-all', `${Buffer.from('nobody').toString('base64url')}.${'A'.repeat(32)}`)).status, 401);
});
