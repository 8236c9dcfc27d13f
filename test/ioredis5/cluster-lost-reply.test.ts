import { onlyIoredis5Loaded, useIoredis5 } from '../helpers/ioredis5.js';

// A lost reply on a cluster (the Cluster client's own re-sending to another node) on ioredis 5.
await useIoredis5();
await import('../cluster/cluster-lost-reply.test.js');
onlyIoredis5Loaded();
