import type { ErrorCode } from './error-code.js';

/**
 * The only error type the storage throws or emits. `code` says what went
 * wrong, `message` what to do about it, `cause` the underlying error if any.
 * Test `error.code` (an {@link ErrorCode}), never the message text.
 */
export class UserSessionStorageError extends Error {
  /** Always `'UserSessionStorageError'`. */
  override readonly name = 'UserSessionStorageError';

  /**
   * @param code - What went wrong; one of {@link ErrorCode}.
   * @param message - What happened and what to do about it.
   * @param options - `cause`: the underlying error (a Redis or codec error), if any.
   */
  constructor(
    /** What went wrong; stable across versions, unlike the message. */
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
