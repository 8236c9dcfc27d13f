import anyTest, { type TestFn } from 'ava';
import { SingleNodeBackend } from '../helpers/backend.js';
import { defineBehaviourSuite, type SuiteContext } from './behaviour-suite.js';

// The same behaviour when the caller's client batches commands with
// enableAutoPipelining (ioredis sends scripts through another code path then).
defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => SingleNodeBackend.start({ enableAutoPipelining: true }));
