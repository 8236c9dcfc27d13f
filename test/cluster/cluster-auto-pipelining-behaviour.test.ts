import anyTest, { type TestFn } from 'ava';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { defineBehaviourSuite, type SuiteContext } from '../storage/behaviour-suite.js';

// The behaviour suite again with ioredis auto-pipelining, which batches calls per node: NOSCRIPT recovery and
// redirections must hold inside those batches too.
defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => ClusterBackend.start({ enableAutoPipelining: true }));
