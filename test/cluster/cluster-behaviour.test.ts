import anyTest, { type TestFn } from 'ava';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { defineBehaviourSuite, type SuiteContext } from '../storage/behaviour-suite.js';

// The whole core behaviour suite, unchanged, on a real 3-master cluster: the test run's shared one. Its
// deployment-wide tests (SCRIPT FLUSH, killing every subscriber) run in cluster-deployment-wide.test.ts.
defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => ClusterBackend.shared(), { tests: 'shareable' });
