export {
  type ConnectionLogger,
  type CreateRedisOptions,
  connectionOptions,
  createRedis,
  createRedisFor,
  type RedisClient,
  type RedisRole,
  reconnectDelay,
} from './create-redis.ts';
export { freePort } from './free-port.ts';
export { auditKeys, globalKeys, KEY_ROOT, KeyNameError, rolloutKey, rolloutKeys } from './keys.ts';
export { closeRedis, type PingResult, pingRedis, waitUntilReady } from './ping.ts';
export {
  answersPing,
  launchRedisServer,
  RedisServerNotFoundError,
  type RedisServerOptions,
  type RunningRedisServer,
  redisServerArgs,
  stopRedisServer,
} from './redis-server.ts';
export { parseRedisUrl, type RedisNode, type RedisTarget, RedisUrlError, redact } from './redis-url.ts';
