import anyTest, { type TestFn } from 'ava';
import { SingleNodeBackend } from '../../helpers/backend.js';
import { defineStoreSuite, type StoreSuiteContext } from './store-suite.js';

defineStoreSuite(anyTest as TestFn<StoreSuiteContext>, () => SingleNodeBackend.start());
