// Shared with the benchmark (scripts/bench/server.ts): one way to find redis-server.
export { systemRedisServer } from '../../scripts/lib/redis-binary.js';
