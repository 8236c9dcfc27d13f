import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Codec } from '../codec/codec.js';
import { CliError, messageOf } from './connection.js';

const SHAPE = '{ encode(metaData): Buffer, decode(bytes: Buffer): metaData, formatTag?: number }';

function isCodec(value: unknown): value is Codec<unknown> {
  const candidate = value as Partial<Codec<unknown>> | null | undefined;
  return typeof candidate?.encode === 'function' && typeof candidate.decode === 'function';
}

/**
 * The codec of --codec: a module, by path from the working directory,
 * whose named export `codec` or default export is the storage's codec
 * object. A CommonJS module's `module.exports` is its default export.
 */
export async function loadCodec(path: string): Promise<Codec<unknown>> {
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot load --codec ${path}: ${messageOf(error)}`, 2);
  }
  const defaultExport = exported.default as Record<string, unknown> | undefined;
  // A CommonJS module's `exports.codec` is both a named export and a property of its default export.
  const codec = [exported.codec, defaultExport, defaultExport?.codec].find(isCodec);
  if (!codec) {
    throw new CliError(
      `--codec ${path} exports no codec: export the codec the storage was created with, as \`export const codec = ${SHAPE}\` ` +
        `or as the default export (a codec object, not a function that makes one)`,
      2,
    );
  }
  return codec;
}
