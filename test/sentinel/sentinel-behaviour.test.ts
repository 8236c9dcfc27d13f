import anyTest, { type TestFn } from 'ava';
import { SentinelBackend } from '../helpers/sentinel-backend.js';
import { defineBehaviourSuite, type SuiteContext } from '../storage/behaviour-suite.js';

// The whole behaviour suite, unchanged, through an ioredis Sentinel client
// (`new Redis({ sentinels, name })`) on a local master, replica and three
// sentinels of this file's own: the storage's own connections are
// duplicates of that client and find the master through the sentinels too.
defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => SentinelBackend.start());
