import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parseSessionToken, UserSessionRedisStorage } from '../../src/index.js';
import { TestRedis } from '../helpers/redis-server.js';
import { findSecrets, idsSeen, Recorder, secretOf, SOURCES, tokenWorkload, type ServerAddress, type Sources } from '../helpers/secret-scan.js';

/*
 * Issue: "Nothing the storage writes, publishes or lists contains the
 * secret". A workload with tokens from createSessionToken
 * (test/helpers/secret-scan.ts) runs while every place a secret could leak
 * is recorded: every key name and value, and the RDB file a SAVE writes
 * (both at three points of the workload, while its sessions exist); every
 * line of MONITOR (which also shows the commands the scripts call); every
 * keyspace and keyevent notification, channel and message; every SLOWLOG
 * entry (every command logged); the CLI's list and check; what the API
 * returned and emitted. None may contain a token, its secret part, or the
 * secret's bytes.
 *
 * The control runs the same workload with the mistake the issue describes
 * (the secret used as the session id): then every source must find the
 * secrets, so the search is shown to work on each of them.
 */

let server: TestRedis;
let servers: ServerAddress[];
let dir: string;
test.before(async () => {
  // Its own dir: the snapshots SAVE an RDB file to search.
  dir = await mkdtemp(join(tmpdir(), 'no-secret-'));
  server = await TestRedis.start(['--dir', dir]);
  servers = [{ host: server.host, port: server.port }];
});
test.after.always(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function recordWorkload(prefix: string, idOf: (token: string) => string): Promise<{ sources: Sources; tokens: string[]; ids: string[] }> {
  const admin = await server.client();
  await admin.flushall();
  const recorder = await Recorder.start(servers);
  const storage = await UserSessionRedisStorage.create<{ device: string }>({ client: await server.client(), keyPrefix: prefix });
  for (const reason of ['expired', 'evicted', 'deleted', 'rotated', 'reused'] as const) storage.on(reason, (e) => recorder.api({ reason, ...e }));
  try {
    const { tokens, ids } = await tokenWorkload({ storage, recorder, servers, prefix, idOf });
    return { sources: await recorder.stop(), tokens, ids };
  } finally {
    await storage.close();
  }
}

test.serial('no token, secret or secret bytes in any key, value, notification, MONITOR line, SLOWLOG entry, CLI output or API result', async (t) => {
  const { sources, tokens, ids } = await recordWorkload('sess', (token) => parseSessionToken(token)!.sessionId);
  t.is(tokens.length, 7);
  t.deepEqual(findSecrets(sources, tokens), []);
  // Not vacuous: every source recorded the workload (the session ids, which are safe to show, are there).
  const seen = idsSeen(sources, ids);
  t.log(`session ids seen per source (of ${ids.length}): ${JSON.stringify(seen)}`);
  t.is(seen.MONITOR, ids.length, 'MONITOR saw every session');
  for (const source of SOURCES) t.true(seen[source] > 0, `${source} recorded the workload`);
  t.true(Buffer.concat(sources['keyspace notifications']).includes(':expired'), 'the expiry was published');
  t.true(Buffer.concat(sources['key names and values']).includes(':r:'), 'the snapshots saw rotation markers');
});

test.serial('control: the same workload storing the secret itself as the session id is found in every source', async (t) => {
  const { sources, tokens } = await recordWorkload('sess', secretOf);
  const found = findSecrets(sources, tokens);
  t.log(`found: ${SOURCES.map((source) => `${source} ${found.filter((f) => f.startsWith(`${source}:`)).length}`).join(', ')}`);
  // Values hold metadata only; the keys' names, index members, the scripts' arguments and the CLI show the id.
  for (const source of SOURCES)
    t.true(
      found.some((f) => f.startsWith(`${source}:`)),
      `${source} found a secret: ${found.join('; ')}`,
    );
});
