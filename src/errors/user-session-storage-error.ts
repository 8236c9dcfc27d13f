import type { ErrorCode } from './error-code.js';

/**
 * The only error type the storage throws or emits. `code` says what went
 * wrong, `message` what to do about it, `cause` the underlying error if any.
 */
export class UserSessionStorageError extends Error {
  override readonly name = 'UserSessionStorageError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
