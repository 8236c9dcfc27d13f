import type { Cluster, Redis } from 'ioredis';
import type { Codec } from '../../codec/codec.js';
import { ErrorCode } from '../../errors/error-code.js';
import { UserSessionStorageError } from '../../errors/user-session-storage-error.js';
import { KeySchema } from '../../keys/key-schema.js';
import type { UserSessionRedisStorage } from '../../storage/user-session-redis-storage.js';
import type { Target } from '../connection.js';
import { noKeysMessage } from '../inspect/prefix-keys.js';
import { scanPrefix } from '../inspect/scan-prefix.js';
import type { CommandOutput } from '../output.js';
import { withStorage } from './storage-session.js';

interface Removal {
  removed: 'stale index entry' | 'orphan value';
  subject: string;
  sessionId: string;
  detail: string;
}

/**
 * `repair`: removes stale index entries and orphan values of a prefix.
 * It writes nothing itself: it runs the library's own atomic scripts, which
 * judge liveness inside Redis. `count` prunes a subject's stale entries;
 * `read` of a value without entry deletes it, unless a concurrent insert
 * made it a session again, so a live session is never removed. SCAN visits
 * every master of a cluster; the storage sends each call to its subject's.
 */
export async function repairPrefix(target: Target, prefix: string, codec: Codec<unknown> | undefined): Promise<CommandOutput> {
  const { client } = target;
  const keys = new KeySchema(prefix);
  const removals: Removal[] = [];
  const skipped: string[] = [];
  let scanned = 0;
  const { ended } = await withStorage({ target, prefix, codec }, async (storage) => {
    for await (const batch of scanMasters(target.masters, keys)) {
      scanned += batch.length;
      for (const k of batch) {
        try {
          if (k.kind === 'index') await storage.count(k.subject);
          else if (k.kind === 'value' && (await removeIfOrphan(client, keys, storage, k.subject, k.sessionId))) {
            removals.push({ removed: 'orphan value', subject: k.subject, sessionId: k.sessionId, detail: 'value without index entry, deleted' });
          }
        } catch (error) {
          // Keys the storage's validation refuses (e.g. over-long ids) were not written by it.
          if (!(error instanceof UserSessionStorageError) || error.code !== ErrorCode.INVALID_ARGUMENT) throw error;
          skipped.push(k.key);
        }
      }
    }
  });
  const orphans = new Set(removals.map((r) => `${r.subject}\n${r.sessionId}`));
  for (const e of ended) {
    // The read that removed an orphan value reports it too ('evicted'): listed once, above.
    if (orphans.has(`${e.subject}\n${e.sessionId}`)) continue;
    removals.push({
      removed: 'stale index entry',
      subject: e.subject,
      sessionId: e.sessionId,
      detail: `session had ${e.reason === 'expired' ? 'expired' : 'vanished early (evicted or deleted from outside)'}`,
    });
  }
  return {
    json: { removed: removals, skipped },
    head: ['REMOVED', 'SUBJECT', 'SESSION ID', 'DETAIL'],
    rows: removals.map((r) => [r.removed, r.subject, r.sessionId, r.detail]),
    widths: [null, null, null, 40],
    notes: [
      `${removals.length} removed`,
      ...(skipped.length
        ? [
            `${skipped.length} keys skipped, not in the library's layout: ${skipped
              .slice(0, 3)
              .map((k) => JSON.stringify(k))
              .join(', ')}`,
          ]
        : []),
    ],
    warnings: scanned === 0 ? [noKeysMessage(prefix, target.masters.length)] : [],
    exitCode: 0,
  };
}

async function* scanMasters(masters: readonly Redis[], keys: KeySchema): ReturnType<typeof scanPrefix> {
  for (const master of masters) yield* scanPrefix(master, keys);
}

/** True if the value was an orphan and is gone now. */
async function removeIfOrphan(
  client: Redis | Cluster,
  keys: KeySchema,
  storage: UserSessionRedisStorage,
  subject: string,
  sessionId: string,
): Promise<boolean> {
  // One MULTI: a value deleted with its entry by a logout meanwhile is not taken for an orphan.
  const state = await client.multi().exists(keys.valueKey(subject, sessionId)).zscore(keys.indexKey(subject), sessionId).exec();
  if (state?.[0]?.[1] !== 1 || state[1]?.[1] !== null) return false;
  try {
    // read-2.lua deletes a value that has no index entry, atomically with that check.
    if ((await storage.read(subject, sessionId)) !== undefined) return false;
  } catch (error) {
    // A value of another codec is only decoded when it is a live session: not an orphan.
    if (error instanceof UserSessionStorageError && error.code === ErrorCode.VALUE_FORMAT_MISMATCH) return false;
    throw error;
  }
  return (await client.exists(keys.valueKey(subject, sessionId))) === 0;
}
