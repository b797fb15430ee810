import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from './redis-url.ts';

export type RedisClient = Redis | Cluster;

/**
 * What a connection is for decides how it behaves while Redis is away (BullMQ, "going to production"):
 * - `worker`: BullMQ workers and anything that blocks. Commands wait through an outage
 *   (`maxRetriesPerRequest: null`, offline queue on); BullMQ refuses a worker connection without it.
 * - `producer`: request paths that must answer now. Commands fail at once while disconnected
 *   (`enableOfflineQueue: false`) and after `commandTimeoutMs` when Redis hangs, so the collector
 *   answers 503 + Retry-After and senders retry, instead of holding requests until memory runs out.
 */
export type RedisRole = 'worker' | 'producer';

export interface CreateRedisOptions {
  role: RedisRole;
  /** Shown by `CLIENT LIST`, e.g. `collector:ingest`: tells an operator who holds which connection. */
  name?: string;
  /** Producer only: the longest a command may take before it fails (default 2000 ms). */
  commandTimeoutMs?: number;
  /** Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Open the connection on first use rather than now (tests, CLIs). */
  lazyConnect?: boolean;
  /**
   * Where connection trouble is reported. Each distinct error is logged once until the
   * connection is ready again, so an outage is one line, not one per reconnect attempt.
   * Without it errors are not printed (commands still reject and readiness still fails).
   */
  logger?: ConnectionLogger;
}

/** The part of a pino logger this module uses. */
export interface ConnectionLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

// Reconnect quickly and keep trying forever: a collector answering 503 should recover within a
// couple of seconds of Redis coming back, and a worker must never give up on its own.
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(attempt - 1, 0), 2000);
}

export function createRedis(url: string, options: CreateRedisOptions): RedisClient {
  return createRedisFor(parseRedisUrl(url), options);
}

export function createRedisFor(target: RedisTarget, options: CreateRedisOptions): RedisClient {
  const client = construct(target, options);
  reportConnection(client, target, options);
  return client;
}

function reportConnection(client: RedisClient, target: RedisTarget, options: CreateRedisOptions) {
  const { logger } = options;
  const fields = {
    redis: target.kind,
    role: options.role,
    ...(options.name === undefined ? {} : { connection: options.name }),
  };
  let lastError: string | undefined;
  // ioredis prints "Unhandled error event" for a client without an error listener.
  client.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    logger?.warn({ ...fields, err: error.message }, 'Redis connection error; reconnecting');
  });
  client.on('ready', () => {
    if (lastError !== undefined) logger?.info(fields, 'Redis connection is back');
    lastError = undefined;
  });
}

function construct(target: RedisTarget, options: CreateRedisOptions): RedisClient {
  const common = connectionOptions(target, options);
  switch (target.kind) {
    case 'standalone':
      return new Redis({ ...common, host: target.host, port: target.port, db: target.db });
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: target.sentinels,
        name: target.masterName,
        db: target.db,
        ...(target.sentinelUsername === undefined ? {} : { sentinelUsername: target.sentinelUsername }),
        ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
        ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      });
    case 'cluster': {
      const { retryStrategy, enableOfflineQueue, lazyConnect, ...redisOptions } = common;
      const clusterOptions: ClusterOptions = {
        redisOptions,
        clusterRetryStrategy: reconnectDelay,
        ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
        ...(lazyConnect === undefined ? {} : { lazyConnect }),
      };
      return new Cluster(target.nodes, clusterOptions);
    }
  }
}

/** The ioredis options every kind of target shares, from the URL's auth and the connection's role. */
export function connectionOptions(target: RedisTarget, options: CreateRedisOptions): RedisOptions {
  const roleOptions: RedisOptions =
    options.role === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          commandTimeout: options.commandTimeoutMs ?? 2000,
        };
  return {
    ...roleOptions,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    retryStrategy: reconnectDelay,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: {} } : {}),
    ...(options.name === undefined ? {} : { connectionName: `rollout-guard:${options.name}` }),
    ...(options.lazyConnect === undefined ? {} : { lazyConnect: options.lazyConnect }),
  };
}
