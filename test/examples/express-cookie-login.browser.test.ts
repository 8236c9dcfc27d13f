import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TestRedis } from '../helpers/redis-server.js';

/**
 * The cookie login example in a real browser: Debian's chromium driven by
 * playwright-core (no browser download). Two browser contexts are two
 * devices of alice. Screenshots of the devices page go to
 * test-artifacts/express-cookie-login/.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(root, 'test-artifacts', 'express-cookie-login');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const userAgents = {
  laptop: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  phone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
};

let redis: TestRedis;
let server: ChildProcess;
let base: string;
let browser: Browser;

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  await mkdir(artifacts, { recursive: true });
  redis = await TestRedis.start();
  server = spawn(
    process.execPath,
    ['--conditions=user-session-redis-storage-source', '--import', 'tsx', join(root, 'examples', 'express-cookie-login', 'server.ts')],
    { cwd: root, env: { ...process.env, REDIS_URL: redis.url, PORT: '0', SESSION_LIMIT: '3' }, stdio: ['ignore', 'pipe', 'inherit'] },
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
  // Chromium refuses to start its sandbox as root (CI runs as root).
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
});

test.after.always(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  await redis?.stop();
});

async function device(userAgent: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ userAgent, viewport: { width: 1000, height: 620 } });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/devices`);
}

test('two devices of one user: the devices page lists both; "log out other devices" sends the other one to the login form', async (t) => {
  const laptop = await device(userAgents.laptop);
  const phone = await device(userAgents.phone);
  t.teardown(() => Promise.all([laptop.context.close(), phone.context.close()]));

  await signIn(laptop.page, 'alice', 'wonderland');
  await signIn(phone.page, 'alice', 'wonderland');
  await laptop.page.reload();
  const rows = laptop.page.locator('tbody tr');
  t.is(await rows.count(), 2);
  t.regex(await rows.filter({ hasText: 'this device' }).innerText(), /Chrome 126 on Linux/);
  t.regex(await rows.filter({ hasNotText: 'this device' }).innerText(), /Mobile Safari 17 on Apple iPhone/);
  await laptop.page.screenshot({ path: join(artifacts, 'devices-two-devices.png'), fullPage: true });

  // The session cookie: HttpOnly, SameSite=Lax, and it is not the storage's id of the session.
  const [cookie] = (await laptop.context.cookies()).filter((c) => c.name === 'sid');
  t.like(cookie, { httpOnly: true, sameSite: 'Lax' });
  const listedIds = await Promise.all((await rows.all()).map((row) => row.getAttribute('data-session-id')));
  t.is(listedIds.length, 2);
  t.false(listedIds.some((id) => id === null || decodeURIComponent(cookie!.value).includes(id)));

  await laptop.page.getByRole('button', { name: 'Log out other devices' }).click();
  await laptop.page.waitForURL(`${base}/devices?ended=1`);
  t.is(await laptop.page.locator('tbody tr').count(), 1);
  t.regex(await laptop.page.locator('.notice').innerText(), /Logged out 1 other device/);
  await laptop.page.screenshot({ path: join(artifacts, 'devices-after-log-out-others.png'), fullPage: true });

  // The phone's next page load: its session is gone, so it lands on the login form.
  await phone.page.goto(`${base}/devices`);
  t.is(phone.page.url(), `${base}/login`);
  t.true(await phone.page.getByRole('button', { name: 'Sign in' }).isVisible());
});

test('a form post without the session CSRF token is refused, and changes nothing', async (t) => {
  const laptop = await device(userAgents.laptop);
  const phone = await device(userAgents.phone);
  t.teardown(() => Promise.all([laptop.context.close(), phone.context.close()]));
  await signIn(laptop.page, 'bob', 'builder');
  await signIn(phone.page, 'bob', 'builder');
  // The browser's own cookie jar, as a forged same-site form would send it.
  for (const form of [{}, { _csrf: 'not-the-token' }] as Record<string, string>[]) {
    const refused = await laptop.context.request.post(`${base}/logout-everywhere`, { form, maxRedirects: 0 });
    t.is(refused.status(), 403);
  }
  await phone.page.reload();
  t.is(await phone.page.locator('tbody tr').count(), 2);
  // With the token, from the page: both devices end.
  await phone.page.getByRole('button', { name: 'Log out everywhere' }).click();
  await phone.page.waitForURL(`${base}/login`);
  await laptop.page.goto(`${base}/devices`);
  t.is(laptop.page.url(), `${base}/login`);
});
