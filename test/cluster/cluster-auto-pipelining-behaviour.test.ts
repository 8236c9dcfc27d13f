import anyTest, { type TestFn } from 'ava';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { defineBehaviourSuite, type SuiteContext } from '../storage/behaviour-suite.js';

// The behaviour suite again with ioredis auto-pipelining, which batches calls per node: NOSCRIPT recovery and
// redirections must hold inside those batches too. On the test run's shared cluster; its deployment-wide tests
// (SCRIPT FLUSH, killing every subscriber) run in cluster-deployment-wide.test.ts.
defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => ClusterBackend.shared({ enableAutoPipelining: true }), { tests: 'shareable' });
