/**
 * @packageDocumentation
 * Test support shared by the server tests, the e2e journeys and the benchmarks. The root
 * entry has no browser dependency; the Chromium harness and the meshmeet/coturn
 * launchers are the `./browser` and `./services` entries.
 */
export { freePort } from './ports.js';
export { startProcess, waitForHttp, waitForTcp, type Managed, type StartOptions } from './processes.js';
export { redisCommand, startRedis, waitForRedis, type RedisHandle, type RedisOptions } from './redis.js';
export { MAX_SLOWNESS, clampSlowness, measureSlowness, scaled, slowness } from './slowness.js';
export { FatalWaitError, waitFor, type WaitOptions } from './wait.js';
