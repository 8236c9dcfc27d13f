import anyTest, { type TestFn } from 'ava';
import { SingleNodeBackend } from '../helpers/backend.js';
import { defineBehaviourSuite, type SuiteContext } from './behaviour-suite.js';

// The same behaviour when the caller's client batches its own commands with
// enableAutoPipelining: the storage's scripts go on its own connection, past
// the auto-pipeline, and nothing of the caller's options may change what
// they do.
defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => SingleNodeBackend.start({ enableAutoPipelining: true }));
