import type { OperationName, StoreKind } from './operations.js';

/** A baseline run: which store, doing which operation. */
export interface Baseline {
  store: StoreKind;
  operation: OperationName;
}

/**
 * What each storage operation is compared with in the ratio column: raw
 * SET PX / GET of the same encoded value (the floor: one plain command), and
 * the MULTI+LIST design for the operations it has.
 */
export const BASELINES: Partial<Record<OperationName, Baseline[]>> = {
  insert: [
    { store: 'raw', operation: 'insert' },
    { store: 'reference', operation: 'insert' },
  ],
  read: [{ store: 'raw', operation: 'read' }],
  touch: [{ store: 'raw', operation: 'insert' }],
  update: [{ store: 'raw', operation: 'insert' }],
  delete: [{ store: 'raw', operation: 'insert' }],
  readAll: [{ store: 'reference', operation: 'readAll' }],
  deleteAll: [{ store: 'reference', operation: 'deleteAll' }],
  count: [{ store: 'reference', operation: 'count' }],
  mixed: [{ store: 'reference', operation: 'mixed' }],
};

/** The baseline's name in the report. */
export const baselineLabel = (b: Baseline): string =>
  b.store === 'raw' ? (b.operation === 'read' ? 'raw GET' : 'raw SET PX') : `MULTI+LIST ${b.operation}`;
