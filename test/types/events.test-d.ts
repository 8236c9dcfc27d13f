/**
 * Type-level tests of the storage's events, checked by `tsc --noEmit -p .`
 * (tsconfig includes test/), which `npm test` runs first: a regression
 * (an untyped method, a wrong payload accepted) fails the typecheck. Each
 * `@ts-expect-error` line must be an error, or tsc reports it as unused.
 * Nothing here runs: the storage is only declared.
 */
import type { SessionEndedEvent, UserSessionRedisStorage, UserSessionStorageError } from '../../src/index.js';

declare const storage: UserSessionRedisStorage<{ ip: string }>;

/** Compiles only when A and B are the same type (not merely assignable either way, so `any` fails). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** `typeOf(value).is<T>(true)` compiles only when `value` is exactly of type T. */
const typeOf = <A>(_value: A) => ({ is: <B>(_same: Equal<A, B>): void => {} });

const ended = (e: SessionEndedEvent): string => e.sessionId;
const failed = (e: UserSessionStorageError): string => e.code;

// Every method types the payload of each ended-session event...
for (const reason of ['expired', 'evicted', 'deleted'] as const) {
  storage.on(reason, (e) => typeOf(e).is<SessionEndedEvent>(true));
  storage.once(reason, (e) => typeOf(e).is<SessionEndedEvent>(true));
  storage.addListener(reason, (e) => typeOf(e).is<SessionEndedEvent>(true));
  storage.prependListener(reason, (e) => typeOf(e).is<SessionEndedEvent>(true));
  storage.prependOnceListener(reason, (e) => typeOf(e).is<SessionEndedEvent>(true));
  storage.off(reason, ended);
  storage.removeListener(reason, ended);
}
// ...and of 'error'.
storage.on('error', (e) => typeOf(e).is<UserSessionStorageError>(true));
storage.once('error', (e) => typeOf(e).is<UserSessionStorageError>(true));
storage.addListener('error', (e) => typeOf(e).is<UserSessionStorageError>(true));
storage.prependListener('error', (e) => typeOf(e).is<UserSessionStorageError>(true));
storage.prependOnceListener('error', (e) => typeOf(e).is<UserSessionStorageError>(true));
storage.off('error', failed);
storage.removeListener('error', failed);

// The methods chain, as EventEmitter's do.
typeOf(storage.once('expired', ended)).is<typeof storage>(true);
storage.on('expired', ended).once('deleted', ended).off('expired', ended);

// An unknown event name does not compile, on any method.
// @ts-expect-error 'expire' is no event of the storage
storage.on('expire', ended);
// @ts-expect-error 'expire' is no event of the storage
storage.once('expire', ended);
// @ts-expect-error 'expire' is no event of the storage
storage.off('expire', ended);
// @ts-expect-error 'expire' is no event of the storage
storage.addListener('expire', ended);
// @ts-expect-error 'expire' is no event of the storage
storage.removeListener('expire', ended);
// @ts-expect-error 'expire' is no event of the storage
storage.prependListener('expire', ended);
// @ts-expect-error 'expire' is no event of the storage
storage.prependOnceListener('expire', ended);
// @ts-expect-error 'expire' is no event of the storage
storage.emit('expire', { subject: 'u', sessionId: 's' });

// A listener of the wrong payload does not compile.
// @ts-expect-error 'error' carries a UserSessionStorageError, not a SessionEndedEvent
storage.on('error', ended);
// @ts-expect-error 'expired' carries a SessionEndedEvent, not an error
storage.once('expired', failed);
// @ts-expect-error 'deleted' carries a SessionEndedEvent, not an error
storage.prependListener('deleted', failed);
// @ts-expect-error 'evicted' carries a SessionEndedEvent, not an error
storage.off('evicted', failed);
// @ts-expect-error the payload has no field 'user'
storage.on('expired', (e: { user: string }) => e.user);

// emit takes exactly the event's payload.
storage.emit('deleted', { subject: 'u', sessionId: 's' });
// @ts-expect-error sessionId is missing
storage.emit('deleted', { subject: 'u' });
// @ts-expect-error 'error' carries a UserSessionStorageError
storage.emit('error', new Error('not the storage error'));
// @ts-expect-error one payload only
storage.emit('expired', { subject: 'u', sessionId: 's' }, 'extra');
