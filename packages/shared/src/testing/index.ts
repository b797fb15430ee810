// Test helpers that use real parts. Tests never read REDIS_URL (nor TEST_REDIS_URL): suites run in
// parallel forks and kill, restart and flush their Redis, which must never reach a shared one.
export { freePort } from '../redis/free-port.ts';
export { capturedLogger, type LogLine } from './captured-logger.ts';
export { type ServiceProcessSuite, useServiceProcesses } from './service-process.ts';
export {
  argumentsOf,
  environmentOf,
  jsonLine,
  type SpawnedProcess,
  type SpawnOptions,
  spawnTs,
} from './spawn-process.ts';
export { type StartPrometheusOptions, startPrometheus, type TestPrometheus } from './start-prometheus.ts';
export { launchOnFreePort, type StartRedisOptions, startRedis, type TestRedis } from './start-redis.ts';
export {
  startRedisCluster,
  startRedisSentinel,
  type TestRedisCluster,
  type TestRedisSentinel,
} from './start-redis-topologies.ts';
