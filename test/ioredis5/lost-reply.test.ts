import { onlyIoredis5Loaded, useIoredis5 } from '../helpers/ioredis5.js';

// The lost-reply and partition tests (they rely on ioredis internals: Command, re-sending, commandTimeout) on ioredis 5.
await useIoredis5();
await import('../reliability/lost-reply.test.js');
onlyIoredis5Loaded();
