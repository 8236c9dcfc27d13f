import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { TestRedis } from '../helpers/redis-server.js';
import { defineNoSecretTests } from '../helpers/secret-scan.js';

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
 * secret's bytes. A control storing the secrets themselves as ids is found
 * by every source. The cluster variant: test/cluster/cluster-no-secret-at-rest.test.ts.
 */

let server: TestRedis;
let dir: string;
test.before(async () => {
  // Its own dir: the snapshots SAVE an RDB file to search.
  dir = await mkdtemp(join(tmpdir(), 'no-secret-'));
  server = await TestRedis.start(['--dir', dir]);
});
test.after.always(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

defineNoSecretTests(test, { servers: () => [{ host: server.host, port: server.port }], client: () => server.client() });
