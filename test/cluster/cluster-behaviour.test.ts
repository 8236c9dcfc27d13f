import anyTest, { type TestFn } from 'ava';
import { ClusterBackend } from '../helpers/cluster-backend.js';
import { defineBehaviourSuite, type SuiteContext } from '../storage/behaviour-suite.js';

// The whole core behaviour suite, unchanged, on a real 3-master cluster.
defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => ClusterBackend.start());
