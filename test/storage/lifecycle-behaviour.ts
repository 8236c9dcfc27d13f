/**
 * The session lifecycle operations of a login system (rotate with reuse
 * detection, deleteOthers, readAndTouch, readAll with expiry), part of the
 * behaviour suite: run over every deployment by defineBehaviourSuite.
 */
import type { ExecutionContext } from 'ava';
import { MAX_DEFAULT_REUSE_DETECTION_SECONDS, UserSessionStorageError } from '../../src/index.js';
import { waitFor } from '../helpers/wait.js';
import { record, type Implementation, type Options, type Setup, type SuiteContext } from './behaviour-suite.js';

interface Parts {
  shareable(title: string, implementation: Implementation): void;
  setup(t: ExecutionContext<SuiteContext>, options?: Options): Promise<Setup>;
  code(c: string): { instanceOf: typeof UserSessionStorageError; code: string };
}

export function defineLifecycleTests({ shareable, setup, code }: Parts): void {
  shareable('rotate ends the session and starts its successor with its metadata, reported as rotated, never refused by the limit', async (t) => {
    const { storage, client, prefix } = await setup(t, { concurrentSessions: 2 });
    const events = record(storage);
    await storage.insert('u', 'a', { device: 'phone' }, 60);
    await storage.insert('u', 'other', { device: 'laptop' }, 60);
    t.true(await storage.rotate('u', 'a', 'b', 120));
    // (Reading 'a' now would be a reuse: the old value is simply gone.)
    t.is(await client.exists(`${prefix}:{u}:s:a`), 0);
    t.deepEqual(await storage.read('u', 'b'), { device: 'phone' }, 'the old metadata when none is given');
    t.is(await storage.count('u'), 2, 'counted once: at the limit, the rotation still happened');
    const pttl = await client.pttl(`${prefix}:{u}:s:b`);
    t.true(pttl > 110_000 && pttl <= 120_000, 'the new ttl');
    t.true(await storage.rotate('u', 'b', 'c', 60, { device: 'phone', elevated: true }));
    t.deepEqual(await storage.read('u', 'c'), { device: 'phone', elevated: true });
    t.false(await storage.rotate('u', 'nope', 'd', 60), 'no live session: nothing written');
    t.is(await storage.read('u', 'd'), undefined);
    await waitFor('the rotated events', () => events.of('rotated').length === 2);
    t.deepEqual(events.of('rotated'), ['u/a', 'u/b']);
    t.deepEqual(events.of('deleted'), []);
    t.deepEqual(events.of('reused'), []);
    // The new id must be free, and differ from the old one.
    await t.throwsAsync(storage.rotate('u', 'c', 'other', 60), code('SESSION_ALREADY_EXISTS'));
    t.deepEqual(await storage.read('u', 'c'), { device: 'phone', elevated: true }, 'nothing written');
    await t.throwsAsync(storage.rotate('u', 'c', 'c', 60), code('INVALID_ARGUMENT'));
    t.deepEqual([...(await storage.readAll('u')).keys()].sort(), ['c', 'other']);
  });

  shareable('a retried rotation (same ids, reply lost) answers true again and is not a reuse', async (t) => {
    const { storage } = await setup(t);
    const events = record(storage);
    await storage.insert('u', 'a', { n: 1 }, 60);
    t.true(await storage.rotate('u', 'a', 'b', 60));
    t.true(await storage.rotate('u', 'a', 'b', 60));
    t.deepEqual(await storage.read('u', 'b'), { n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.deepEqual(events.of('reused'), []);
    t.is(await storage.count('u'), 1);
  });

  for (const operation of ['read', 'touch', 'readAndTouch', 'update', 'delete', 'rotate'] as const) {
    shareable(`a rotated id presented to ${operation} is a reuse: no session, 'reused', and its token family revoked`, async (t) => {
      const { storage, another } = await setup(t);
      const events = record(storage);
      await storage.insert('u', 'root', { n: 1 }, 60);
      await storage.insert('u', 'unrelated', { n: 2 }, 60);
      t.true(await storage.rotate('u', 'root', 'second', 60));
      t.true(await storage.update('u', 'second', { n: 3 }), 'an update keeps the session in its family');
      t.true(await storage.rotate('u', 'second', 'head', 60));
      // Another instance (process) sees the reuse too: the marker is in Redis.
      const other = await another();
      const otherEvents = record(other);
      const present = {
        read: () => other.read('u', 'second'),
        touch: () => other.touch('u', 'second', 60),
        readAndTouch: () => other.readAndTouch('u', 'second', 60),
        update: () => other.update('u', 'second', { stolen: true }),
        delete: () => other.delete('u', 'second'),
        rotate: () => other.rotate('u', 'second', 'attacker', 60),
      }[operation];
      const answer = await present();
      t.true(answer === undefined || answer === false, 'answers as for no session');
      await waitFor('the reuse event', () => otherEvents.of('reused').length === 1);
      t.deepEqual(otherEvents.of('reused'), ['u/second']);
      t.deepEqual(otherEvents.of('deleted'), ['u/head'], 'the live session of the family, as deleted');
      t.is(await storage.read('u', 'head'), undefined);
      t.is(await storage.read('u', 'attacker'), undefined);
      t.deepEqual(await storage.read('u', 'unrelated'), { n: 2 }, 'other families are untouched');
      t.deepEqual(events.of('reused'), [], 'reported by the instance whose call met it');
    });
  }

  shareable("onReuse 'revoke-subject' ends every session of the subject; 'report' ends none", async (t) => {
    const whole = await setup(t, { onReuse: 'revoke-subject' });
    const wholeEvents = record(whole.storage);
    await whole.storage.insert('u', 'a', {}, 60);
    await whole.storage.insert('u', 'x', {}, 60);
    await whole.storage.insert('v', 'y', {}, 60);
    await whole.storage.rotate('u', 'a', 'b', 60);
    t.is(await whole.storage.read('u', 'a'), undefined);
    t.is(await whole.storage.count('u'), 0);
    t.is(await whole.storage.count('v'), 1, 'only the subject of the reused id');
    await waitFor('events', () => wholeEvents.of('reused').length === 1 && wholeEvents.of('deleted').length === 2);
    t.deepEqual(wholeEvents.of('deleted').sort(), ['u/b', 'u/x']);

    const report = await setup(t, { onReuse: 'report' });
    const reportEvents = record(report.storage);
    await report.storage.insert('u', 'a', {}, 60);
    await report.storage.rotate('u', 'a', 'b', 60);
    t.false(await report.storage.touch('u', 'a', 60));
    await waitFor('the reuse event', () => reportEvents.of('reused').length === 1);
    t.true(await report.storage.touch('u', 'b', 60), 'nothing revoked');
    t.deepEqual(reportEvents.of('deleted'), []);
  });

  shareable('two instances rotating one id at once: exactly one wins, the other meets a reuse', async (t) => {
    const { storage, another } = await setup(t, { onReuse: 'report' });
    const other = await another({ onReuse: 'report' });
    const reused: string[] = [];
    for (const s of [storage, other]) s.on('reused', (e) => reused.push(e.sessionId));
    for (let round = 0; round < 20; round++) {
      await storage.insert('u', `r${round}`, { round }, 60);
      const results = await Promise.all([storage.rotate('u', `r${round}`, `x${round}`, 60), other.rotate('u', `r${round}`, `y${round}`, 60)]);
      t.deepEqual([...results].sort(), [false, true], `round ${round}`);
      const winner = results[0] ? `x${round}` : `y${round}`;
      t.deepEqual(await storage.read('u', winner), { round });
      await waitFor('the reuse event', () => reused.length === round + 1);
    }
    t.is(await storage.count('u'), 20);

    // With the default (revoke the family), the loser's reuse also ends the winner's session.
    const family = await setup(t);
    const familyOther = await family.another();
    await family.storage.insert('u', 'a', {}, 60);
    const results = await Promise.all([family.storage.rotate('u', 'a', 'x', 60), familyOther.rotate('u', 'a', 'y', 60)]);
    t.deepEqual([...results].sort(), [false, true]);
    t.is(await family.storage.count('u'), 0);
  });

  shareable('reuse detection lasts what the rotated session had left (capped), an explicit window, or is off with 0', async (t) => {
    const { storage, client, prefix } = await setup(t);
    await storage.insert('u', 'a', {}, 300);
    await storage.rotate('u', 'a', 'b', 60);
    const marker = await client.pttl(`${prefix}:{u}:r:a`);
    t.true(marker > 290_000 && marker <= 300_000, `what a had left: ${marker}`);
    await storage.insert('u', 'long', {}, 30 * 24 * 3600);
    await storage.rotate('u', 'long', 'long2', 60);
    const capped = await client.pttl(`${prefix}:{u}:r:long`);
    t.true(capped > (MAX_DEFAULT_REUSE_DETECTION_SECONDS - 10) * 1000 && capped <= MAX_DEFAULT_REUSE_DETECTION_SECONDS * 1000, `capped: ${capped}`);

    const fixed = await setup(t, { reuseDetectionSeconds: 5 });
    await fixed.storage.insert('u', 'a', {}, 300);
    await fixed.storage.rotate('u', 'a', 'b', 60);
    const window = await fixed.client.pttl(`${fixed.prefix}:{u}:r:a`);
    t.true(window > 4000 && window <= 5000, `the explicit window: ${window}`);

    const off = await setup(t, { reuseDetectionSeconds: 0 });
    const offEvents = record(off.storage);
    await off.storage.insert('u', 'a', {}, 300);
    t.true(await off.storage.rotate('u', 'a', 'b', 60));
    t.deepEqual(await off.keys().then((k) => k.filter((key) => key.includes(':r:'))), [], 'no marker');
    t.is(await off.storage.read('u', 'a'), undefined);
    t.false(await off.storage.rotate('u', 'a', 'b', 60), 'without a marker, a retry cannot be told from a stale id');
    t.true(await off.storage.touch('u', 'b', 60), 'nothing revoked');
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.deepEqual(offEvents.of('reused'), []);
  });

  shareable('readAndTouch reads and slides in one call; minRemainingSeconds skips the write while enough is left', async (t) => {
    const { storage, client, prefix } = await setup(t);
    await storage.insert('u', 'a', { ip: '10.0.0.1' }, 100);
    const before = Date.now();
    const touched = await storage.readAndTouch('u', 'a', 1000);
    t.deepEqual(touched?.metaData, { ip: '10.0.0.1' });
    const valueExpiry = Number(await client.call('PEXPIRETIME', `${prefix}:{u}:s:a`));
    t.is(touched?.expiresAt, valueExpiry, 'expiresAt is the value expiry, in ms');
    t.true(touched!.expiresAt >= before + 1000_000 - 5000 && touched!.expiresAt <= Date.now() + 1000_000 + 5000);
    // Enough left: nothing written, the expiry stays.
    const skipped = await storage.readAndTouch('u', 'a', 2000, { minRemainingSeconds: 500 });
    t.is(skipped?.expiresAt, valueExpiry);
    t.is(Number(await client.call('PEXPIRETIME', `${prefix}:{u}:s:a`)), valueExpiry);
    // Not enough left: slides.
    const slid = await storage.readAndTouch('u', 'a', 2000, { minRemainingSeconds: 1500 });
    t.true(slid!.expiresAt > valueExpiry + 900_000);
    t.is(Number(await client.call('PEXPIRETIME', `${prefix}:{u}:s:a`)), slid!.expiresAt);
    t.is(Number(await client.call('ZSCORE', `${prefix}:{u}:i`, 'a')), slid!.expiresAt, 'the index records it');
    t.is(await storage.readAndTouch('u', 'nope', 60), undefined);
    t.is(await storage.read('u', 'nope'), undefined, 'nothing written for no session');
    for (const options of [
      { minRemainingSeconds: -1 },
      { minRemainingSeconds: 1.5 },
      { minRemainingSeconds: 61 },
      { minRemainingSeconds: null },
      null,
    ]) {
      await t.throwsAsync(storage.readAndTouch('u', 'a', 60, options as never), code('INVALID_ARGUMENT'));
    }
  });

  shareable('deleteOthers ends every session of the subject but the kept one, which is untouched', async (t) => {
    const { storage, client, prefix } = await setup(t);
    const events = record(storage);
    for (const id of ['keep', 'b', 'c']) await storage.insert('u', id, { id }, 100);
    await storage.insert('v', 'x', {}, 100);
    const before = Number(await client.call('PEXPIRETIME', `${prefix}:{u}:s:keep`));
    t.is(await storage.deleteOthers('u', 'keep'), 2);
    t.deepEqual([...(await storage.readAll('u')).keys()], ['keep']);
    t.is(Number(await client.call('PEXPIRETIME', `${prefix}:{u}:s:keep`)), before);
    t.is(await storage.count('v'), 1);
    await waitFor('deleted events', () => events.of('deleted').length === 2);
    t.deepEqual(events.of('deleted').sort(), ['u/b', 'u/c']);
    t.is(await storage.deleteOthers('u', 'keep'), 0);
    // Kept id not live: every session ends, and no key is left behind.
    await storage.insert('w', 'a', {}, 100);
    t.is(await storage.deleteOthers('w', 'gone'), 1);
    t.is(await client.exists(`${prefix}:{w}:i`), 0);
  });

  shareable('readAll withExpiry gives each live session its expiry, in the order they expire', async (t) => {
    const { storage, client, prefix } = await setup(t);
    await storage.insert('u', 'late', { n: 1 }, 300);
    await storage.insert('u', 'soon', { n: 2 }, 100);
    const listed = await storage.readAll('u', { withExpiry: true });
    t.deepEqual([...listed.keys()], ['soon', 'late']);
    for (const [id, session] of listed) {
      t.is(session.expiresAt, Number(await client.call('PEXPIRETIME', `${prefix}:{u}:s:${id}`)));
    }
    t.deepEqual(listed.get('late')?.metaData, { n: 1 });
    t.deepEqual(
      await storage.readAll('u', { withExpiry: false }),
      new Map([
        ['soon', { n: 2 }],
        ['late', { n: 1 }],
      ]),
    );
    await t.throwsAsync(storage.readAll('u', { withExpiry: 'yes' } as never), code('INVALID_ARGUMENT'));
  });
}
