import anyTest, { type TestFn } from 'ava';
import { onlyIoredis5Loaded, useIoredis5 } from '../helpers/ioredis5.js';
import type { SuiteContext } from '../storage/behaviour-suite.js';

// The core behaviour suite on the test run's shared cluster, with the library and its clients on ioredis 5.
const version = await useIoredis5();
const { ClusterBackend } = await import('../helpers/cluster-backend.js');
const { defineBehaviourSuite } = await import('../storage/behaviour-suite.js');

defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => ClusterBackend.shared(), { tests: 'shareable', titleSuffix: ` (ioredis ${version})` });
onlyIoredis5Loaded();
