import type { SubjectInput } from './operation.js';

/** The input of an operation on one session. */
export interface SessionInput extends SubjectInput {
  sessionId: string;
}
