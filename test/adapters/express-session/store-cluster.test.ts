import anyTest, { type TestFn } from 'ava';
import { ClusterBackend } from '../../helpers/cluster-backend.js';
import { defineStoreSuite, type StoreSuiteContext } from './store-suite.js';

// The same suite on a real 3-master cluster (the test run's shared one): get reads the sid key, then the session in its subject's slot.
defineStoreSuite(anyTest as TestFn<StoreSuiteContext>, () => ClusterBackend.shared());
