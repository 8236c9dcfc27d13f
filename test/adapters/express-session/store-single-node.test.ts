import anyTest, { type TestFn } from 'ava';
import { jsonCodec } from '../../../src/adapters/express-session/index.js';
import { SingleNodeBackend } from '../../helpers/backend.js';
import { defineStoreSuite, type StoreSuiteContext } from './store-suite.js';

// With the JSON codec the README recommends for sessions.
defineStoreSuite(anyTest as TestFn<StoreSuiteContext>, () => SingleNodeBackend.start(), { codec: jsonCodec() });
