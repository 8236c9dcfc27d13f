import { ErrorCode } from './error-code.js';
import { UserSessionStorageError } from './user-session-storage-error.js';

/** Redis Cluster's redirections and refusals: each is replied before the command runs. */
export type ClusterRefusal = 'MOVED' | 'ASK' | 'TRYAGAIN' | 'CLUSTERDOWN';

/**
 * ioredis's Cluster follows refusals itself and, after maxRedirections,
 * rejects with "Too many Cluster redirections. Last error: ReplyError:
 * TRYAGAIN ..." (cluster/index.js, handleError): the last refusal is read
 * out of that message.
 */
const refusalPattern = /^(?:Too many Cluster redirections\. Last error: (?:\w+: )?)?(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;

/**
 * The refusal behind a failed call, if it was one. The tracked command
 * (src/scripts/tracked-command.ts) reports a failure before the command was
 * answered as "not sent", with ioredis's error as its cause.
 */
export function clusterRefusal(error: unknown): ClusterRefusal | undefined {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? (refusalPattern.exec(cause.message)?.[1] as ClusterRefusal | undefined) : undefined;
}

/**
 * What ioredis says when it has no usable connection: connecting failed
 * (refused, unknown host, timeout, TLS, AUTH rejected), or the connection is
 * gone and not coming back.
 */
const unreachable =
  /^(?:Connection is closed|Stream isn't writeable|None of startup nodes is available|Failed to refresh slots cache|All sentinels are unreachable|Cluster isn't ready|connect |getaddrinfo |read ECONNRESET|write EPIPE|Socket timeout)/;

function isReply(error: Error): boolean {
  return error.name === 'ReplyError';
}

/** A network-level error (ECONNREFUSED, ENOTFOUND, ETIMEDOUT...) names its `syscall`; a library bug does not. */
function isConnectionError(error: Error): boolean {
  return typeof (error as NodeJS.ErrnoException).syscall === 'string' || unreachable.test(error.message);
}

/** ioredis attaches the failed command to its error replies (DataHandler.returnError). */
function commandOf(error: Error): string | undefined {
  const command = (error as { command?: { name?: unknown } }).command;
  return typeof command?.name === 'string' ? command.name.toLowerCase() : undefined;
}

function redisError(message: string, cause: unknown): UserSessionStorageError {
  return new UserSessionStorageError(ErrorCode.REDIS_ERROR, message, { cause });
}

/**
 * The `REDIS_ERROR` a failure of Redis or of the connection becomes, with a
 * message that fits it: what happened to the call, and what to do. Errors
 * that are already the storage's own (the tracked command's "not sent" and
 * "outcome unknown", validation, codec) are kept, except a "not sent" that
 * was a cluster's refusal, which is said as such.
 */
export function redisFailure(error: unknown): UserSessionStorageError {
  if (error instanceof UserSessionStorageError) {
    return error.code === ErrorCode.REDIS_ERROR && clusterRefusal(error) ? clusterBusy(error.cause) : error;
  }
  if (!(error instanceof Error)) return generic(String(error), error);
  const text = error.message.replace(/\.$/, '');
  if (!isReply(error)) {
    if (clusterRefusal(error)) return clusterBusy(error);
    if (isConnectionError(error)) {
      return redisError(
        `cannot reach Redis: ${text}. Check the client's host and port (or URL), TLS and credentials, and that the server is running`,
        error,
      );
    }
    return generic(text, error);
  }
  const refusal = clusterRefusal(error);
  if (refusal === 'MOVED' || refusal === 'ASK') {
    // An ioredis Cluster follows these itself: a plain client met a cluster node.
    return redisError(
      `a Redis Cluster node redirected the call (${text}): the storage was given a plain Redis client, which cannot follow the ` +
        "cluster's slots. Create the storage with an ioredis Cluster client (new Cluster([{ host, port }])). The operation did not run",
      error,
    );
  }
  if (refusal) return clusterBusy(error);
  if (/^(?:WRONGPASS|NOAUTH)\b/.test(text)) {
    return redisError(`Redis refused the credentials: ${text}. Check the client's username and password (or the URL's user:password)`, error);
  }
  if (commandOf(error) === 'script') {
    return redisError(
      `Redis cannot load the storage's Lua scripts: ${text}. Every operation is one script, so the storage cannot work until the ` +
        'server allows this user SCRIPT LOAD and EVALSHA (docs/acl.md)',
      error,
    );
  }
  if (/^NOPERM\b/.test(text)) {
    return redisError(`the Redis user may not run a command the storage needs: ${text}. Grant it (docs/acl.md lists the rules per mode)`, error);
  }
  return generic(text, error);
}

/** A cluster's refusal that outlasted the retries: replied before running, so nothing happened. */
function clusterBusy(cause: unknown): UserSessionStorageError {
  const text = cause instanceof Error ? cause.message.replace(/\.$/, '') : String(cause);
  return redisError(
    `Redis Cluster refused the call: ${text}. The cluster is resharding, failing over or down; the operation did not run: retry later`,
    cause,
  );
}

/** Redis answered with an error: every script checks before it writes, and runs entirely or not at all. */
function generic(text: string, cause: unknown): UserSessionStorageError {
  return redisError(`Redis failed: ${text}. Each operation is atomic: it either happened entirely or not at all; read before retrying`, cause);
}
