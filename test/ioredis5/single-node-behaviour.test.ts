import anyTest, { type TestFn } from 'ava';
import { onlyIoredis5Loaded, useIoredis5 } from '../helpers/ioredis5.js';
import type { SuiteContext } from '../storage/behaviour-suite.js';

// The core behaviour suite on one server, with the library and its clients on ioredis 5 (a peer dependency).
const version = await useIoredis5();
const { SingleNodeBackend } = await import('../helpers/backend.js');
const { defineBehaviourSuite } = await import('../storage/behaviour-suite.js');

defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => SingleNodeBackend.start(), { titleSuffix: ` (ioredis ${version})` });
onlyIoredis5Loaded();
