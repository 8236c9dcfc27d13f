import { createRequire, register } from 'node:module';
import test from 'ava';

const require = createRequire(import.meta.url);

/**
 * Resolves the bare specifier `ioredis` to the `ioredis5` npm alias (a
 * devDependency): for the library's source and the test helpers alike.
 */
const hooks = `export async function resolve(specifier, context, next) {
  return next(specifier === 'ioredis' ? 'ioredis5' : specifier, context);
}`;

/**
 * Makes every later `import 'ioredis'` of this process load ioredis 5, as
 * in an application that installed ioredis 5: ioredis is a peer dependency,
 * so the library's own imports (Command, ReplyError, Redis) get the
 * application's copy, the one its clients come from. A test file calls it
 * before anything imports ioredis, and imports the rest dynamically: static
 * imports are all resolved before a module's body runs. Resolves with the
 * version loaded.
 */
export async function useIoredis5(): Promise<string> {
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const [byName, v5] = await Promise.all([import('ioredis'), import('ioredis5')]);
  const { version } = require('ioredis5/package.json') as { version: string };
  if ((byName.Redis as unknown) !== v5.Redis || !version.startsWith('5.')) {
    throw new Error(`ioredis still resolves to another copy than ioredis5 (${version})`);
  }
  return version;
}

/** The installed copies of ioredis this process has loaded a module of, by folder name. */
function loadedCopies(): string[] {
  const copies = Object.keys(require.cache).map((path) => /[\\/]node_modules[\\/](ioredis\w*)[\\/]/.exec(path)?.[1]);
  return [...new Set(copies.filter((copy) => copy !== undefined))].sort();
}

/** A test that fails if anything in the file (library or test helper) loaded another copy than ioredis 5. */
export function onlyIoredis5Loaded(): void {
  test('the library and the clients ran on ioredis 5 alone', (t) => t.deepEqual(loadedCopies(), ['ioredis5']));
}
