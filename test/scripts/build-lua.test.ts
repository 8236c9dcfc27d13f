import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { buildLua } from '../../scripts/build-lua.js';

/** A lua/ folder in a temporary directory, with the given scripts and includes. */
async function luaFolder(t: ExecutionContext, files: Record<string, string>): Promise<{ luaDir: string; outFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'build-lua-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const luaDir = join(dir, 'lua');
  await mkdir(join(luaDir, 'includes'), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(luaDir, name), text);
  return { luaDir, outFile: join(dir, 'lua.generated.ts') };
}

test('each include is inlined once per script, the result codes come from TypeScript', async (t) => {
  const paths = await luaFolder(t, {
    'op-2.lua': '--- @include "a"\n--- @include "b"\nreturn { SESSION_ALREADY_EXISTS, {} }\n',
    'includes/a.lua': '--- @include "shared"\nlocal a = 1\n',
    'includes/b.lua': '--- @include "shared"\n--- @include "result-codes"\nlocal b = 2\n',
    'includes/shared.lua': 'local shared = 0\n',
  });
  t.deepEqual(buildLua(paths), ['op']);
  const generated = await readFile(paths.outFile, 'utf8');
  t.regex(generated, /op: \{ name: 'op', numberOfKeys: 2, lua: /);
  t.is(generated.match(/local shared = 0/g)?.length, 1, 'a diamond is no cycle: shared is inlined once');
  t.regex(generated, /local SESSION_ALREADY_EXISTS = -1\\nlocal TOO_MANY_CONCURRENT_SESSIONS = -2\\nlocal NEED_KEYS = -3\\n/);
  t.regex(generated, /local ENDED_EXPIRED = 1\\nlocal ENDED_EVICTED = 2\\nlocal ENDED_DELETED = 3/);
});

test('a circular include fails the build, naming the cycle, and nothing is written', async (t) => {
  const paths = await luaFolder(t, {
    'op-1.lua': '--- @include "a"\nreturn 1\n',
    'includes/a.lua': '--- @include "b"\n',
    'includes/b.lua': '--- @include "a"\n',
  });
  t.throws(() => buildLua(paths), { message: 'b.lua: circular include: a -> b -> a' });
  t.false(existsSync(paths.outFile));
});

test('an include of itself is a cycle too', async (t) => {
  const paths = await luaFolder(t, { 'op-1.lua': '--- @include "a"\n', 'includes/a.lua': '--- @include "a"\n' });
  t.throws(() => buildLua(paths), { message: 'a.lua: circular include: a -> a' });
});

test('a missing include fails the build, naming the file that asked for it, and nothing is written', async (t) => {
  const paths = await luaFolder(t, { 'op-1.lua': '--- @include "a"\n', 'includes/a.lua': '--- @include "nowhere"\n' });
  t.throws(() => buildLua(paths), { message: /^a\.lua: include "nowhere" not found in / });
  t.false(existsSync(paths.outFile));
});

test('a script without its number of KEYS in its name fails the build', async (t) => {
  const paths = await luaFolder(t, { 'op.lua': 'return 1\n' });
  t.throws(() => buildLua(paths), { message: 'lua/op.lua: name must be <operation>-<number of KEYS>.lua' });
});
