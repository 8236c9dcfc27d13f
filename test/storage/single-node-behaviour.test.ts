import anyTest, { type TestFn } from 'ava';
import { SingleNodeBackend } from '../helpers/backend.js';
import { defineBehaviourSuite, type SuiteContext } from './behaviour-suite.js';

defineBehaviourSuite(anyTest as TestFn<SuiteContext>, () => SingleNodeBackend.start());
