/**
 * Type-level tests of the `client` option against both majors of ioredis,
 * checked by `tsc --noEmit -p .` (see events.test-d.ts). `ioredis` is
 * ioredis 6 here, `ioredis5` the devDependency alias of ioredis 5: an
 * application on ioredis 5 whose copy is not the one the declarations were
 * resolved against must not get TS2322 (`Type 'Redis' is not assignable to
 * type 'Redis<"legacy"> | Cluster<"legacy">'`). Nothing here runs.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { UserSessionRedisStorage, type UserSessionStorageOptions } from '../../src/index.js';

declare const redis5: Redis5;
declare const cluster5: Cluster5;
declare const redis6: Redis;
declare const cluster6: Cluster;
declare const redis6resp3: Redis<'resp3'>;
declare const cluster6resp3: Cluster<'resp3'>;

// Every client of either major, ioredis 6's RESP3 reply mapping included.
for (const client of [redis5, cluster5, redis6, cluster6, redis6resp3, cluster6resp3]) {
  void UserSessionRedisStorage.create({ client });
}
// ioredis 5's duplicate() as the application writes it, as an option object of its own.
const options: UserSessionStorageOptions<unknown> = { client: redis5.duplicate({ db: 1 }), keyPrefix: 'sess' };
void UserSessionRedisStorage.create(options);

// Not a client: still refused at compile time.
// @ts-expect-error a URL is not a client
void UserSessionRedisStorage.create({ client: 'redis://127.0.0.1:6379' });
// @ts-expect-error options are not a client
void UserSessionRedisStorage.create({ client: redis5.options });
// @ts-expect-error a client is required
void UserSessionRedisStorage.create({ keyPrefix: 'sess' });
