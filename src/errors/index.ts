export { ErrorCode } from './error-code.js';
export { UserSessionStorageError } from './user-session-storage-error.js';
