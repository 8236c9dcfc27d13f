import { CallgrindServer, systemRedisBuild } from '../server-cost/callgrind-server.js';
import type { Table } from '../table.js';
import { adapter, connectRedis, type ContestantName } from './contestants.js';
import { OPERATIONS, sessionIds, type StoreOperationName } from './workload.js';

const CONTESTANTS = { 'connect-redis': connectRedis, 'this adapter': adapter } as const;
const PHASES = Object.keys(OPERATIONS) as StoreOperationName[];
/** Unmeasured calls of each phase before its batch: scripts loaded, connections warm. */
const WARMUP = 20;

/** What one phase of one store costs the server, in instructions per call. */
export interface StoreCost {
  store: ContestantName;
  operation: StoreOperationName;
  instructionsPerCall: number;
}

/** Every figure of a `--stores --server-cost` run. */
export interface StoreCostReport {
  redis: { version: string; buildId: string };
  calls: number;
  touchAfterSeconds: number;
  costs: StoreCost[];
  verification: { failed: number; failures: string[] };
}

/**
 * `npm run bench -- --stores --server-cost`: the instructions the server
 * runs for each phase of a session's life (set at login, get + touch per
 * request, destroy at logout) on each store, counted by callgrind (see
 * server-cost/callgrind-server.ts for what is counted), one call at a time
 * so that every call is a request of its own. Independent of the machine's
 * load, unlike ops/s.
 */
export async function runStoreServerCost(calls: number, touchAfterSeconds = 0): Promise<StoreCostReport> {
  const server = await CallgrindServer.start(['--save', '', '--appendonly', 'no']);
  const costs: StoreCost[] = [];
  const failures: string[] = [];
  try {
    for (const name of Object.keys(CONTESTANTS) as ContestantName[]) {
      const contestant = await CONTESTANTS[name](server.url, `cost${name === 'connect-redis' ? 'cr' : 'us'}`, touchAfterSeconds);
      try {
        const sids = sessionIds(WARMUP + calls);
        for (const operation of PHASES) {
          const op = OPERATIONS[operation];
          const check = (i: number, verdict: true | string): void => {
            if (verdict !== true) failures.push(`${name} ${operation} #${i}: ${verdict}`);
          };
          for (let i = 0; i < WARMUP; i++) check(i, await op(contestant.store, sids, i));
          await server.zero();
          for (let i = WARMUP; i < WARMUP + calls; i++) check(i, await op(contestant.store, sids, i));
          costs.push({ store: name, operation, instructionsPerCall: (await server.instructions()) / calls });
        }
      } finally {
        await contestant.close();
      }
    }
    return { redis: await systemRedisBuild(), calls, touchAfterSeconds, costs, verification: { failed: failures.length, failures } };
  } finally {
    await server.stop();
  }
}

const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;

/** The side-by-side table of a `--stores --server-cost` run. */
export function storeCostTables(report: StoreCostReport): Table[] {
  const rows = PHASES.map((operation) => {
    const cost = (store: ContestantName): number => report.costs.find((c) => c.store === store && c.operation === operation)!.instructionsPerCall;
    const call = { login: 'login: set', request: 'request: get + touch', logout: 'logout: destroy' }[operation];
    return [call, k(cost('connect-redis')), k(cost('this adapter')), `${(cost('this adapter') / cost('connect-redis')).toFixed(1)}x`];
  });
  return [
    {
      title: `Redis instructions per call, express-session store calls (callgrind, ${report.calls} calls each, one at a time${report.touchAfterSeconds ? `, touchAfterSeconds ${report.touchAfterSeconds}` : ''})`,
      head: ['calls', 'connect-redis', 'this adapter', 'adapter / connect-redis'],
      rows,
      right: [false, true, true, true],
    },
  ];
}
