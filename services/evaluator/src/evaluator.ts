import { createEgress, defaultEgressPolicy, type EgressPolicy } from '@rollout-guard/shared/egress';
import { closeQueues, createQueues, defaultQueuePrefix } from '@rollout-guard/shared/jobs';
import {
  type ConnectionLogger,
  closeRedis,
  createRedis,
  type RedisClient,
} from '@rollout-guard/shared/redis';
import type { EnvAllowlist } from '@rollout-guard/shared/spec';
import {
  createDeliveryLog,
  createRolloutStore,
  DEFAULT_RETENTION,
  type RetentionPolicy,
} from '@rollout-guard/shared/store';
import type { Registry } from 'prom-client';
import { DEFAULT_RANGE_LIMITS, type RangeLimits } from './backtest/prometheus-range.ts';
import type { RetryPolicy } from './delivery/backoff.ts';
import { secretResolver } from './delivery/secret.ts';
import { createEvaluatorMetrics } from './metrics/evaluator-metrics.ts';
import type { WorkerContext, WorkerLog } from './workers/context.ts';
import { type EvaluatorWorkers, startEvaluatorWorkers } from './workers/start-workers.ts';

export interface EvaluatorCoreOptions {
  redisUrl: string;
  registry: Registry;
  log: WorkerLog & ConnectionLogger;
  evaluateConcurrency?: number;
  deliverConcurrency?: number;
  /** Base of evidence links in webhooks (the collector's public URL). */
  evidenceBaseUrl?: string;
  /** Per delivery attempt (default 10 s). */
  deliveryTimeoutMs?: number;
  /**
   * Where webhooks and PromQL queries may go. Default: the variables' defaults (loopback and
   * link-local refused); a test with local receivers allows loopback (evaluator-test-kit.ts does).
   */
  egressPolicy?: EgressPolicy;
  /** How long rollouts' records are kept (default: the variables' defaults). */
  retention?: RetentionPolicy;
  /** How often this process trims rollouts to the retention (default 10 minutes). */
  retentionEveryMs?: number;
  /** Largest PromQL answer read (default 4 MiB). */
  promqlMaxResponseBytes?: number;
  /** What one backtest may read from Prometheus (default: 32 MiB an answer, 2,000,000 points in all). */
  backtestLimits?: RangeLimits;
  /** Where `env:NAME` secrets are read (default: the process environment). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The variables specs may read (SPEC_ENV_ALLOWED); default: as `env` sets it. */
  specEnvAllowed?: EnvAllowlist;
  retryPolicy?: RetryPolicy;
  tickEveryMs?: number;
  sweepEveryMs?: number;
  /** WATCHDOG_INTERVAL_MS: how often the job schedulers and workers are checked (default 5 s). */
  watchdogIntervalMs?: number;
  /** WATCHDOG_STUCK_AFTER_MS: a job waiting this long while a worker had room for it gets the worker replaced (default 15 s). */
  watchdogStuckAfterMs?: number;
  /** How long an ended delivery stays in the delivery log (default 30 days); trimmed by the outbox sweep. */
  deliveryLogRetentionMs?: number;
  /** How long the audit log keeps an entry (default a year); trimmed by the outbox sweep. */
  auditLogRetentionMs?: number;
  prefix?: string;
  now?: () => number;
}

export interface EvaluatorCore {
  readonly ctx: WorkerContext;
  readonly workers: EvaluatorWorkers;
  /**
   * Graceful stop, in BullMQ's order: stop taking jobs and let running ones finish (up to `timeoutMs`, then
   * release them to another evaluator), close the queues, then Redis.
   */
  close(timeoutMs?: number): Promise<void>;
}

/** The evaluator's workers on one Redis: the store, the delivery log, the queues and every worker. */
export async function startEvaluatorCore(options: EvaluatorCoreOptions): Promise<EvaluatorCore> {
  // Workers and queues wait through a Redis outage rather than failing jobs (`worker` role).
  const redis: RedisClient = createRedis(options.redisUrl, {
    role: 'worker',
    name: 'evaluator',
    logger: options.log,
  });
  const egress = createEgress(options.egressPolicy ?? defaultEgressPolicy);
  const queues = createQueues({ connection: redis, prefix: options.prefix ?? defaultQueuePrefix });
  const ctx: WorkerContext = {
    redis,
    store: createRolloutStore(
      redis,
      options.auditLogRetentionMs === undefined ? {} : { auditRetentionMs: options.auditLogRetentionMs },
    ),
    deliveryLog: createDeliveryLog(redis, {
      ...(options.deliveryLogRetentionMs === undefined
        ? {}
        : { retentionMs: options.deliveryLogRetentionMs }),
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
    queues,
    metrics: createEvaluatorMetrics(options.registry),
    log: options.log,
    now: options.now ?? Date.now,
    egress,
    retention: {
      policy: options.retention ?? DEFAULT_RETENTION,
      everyMs: options.retentionEveryMs ?? 600_000,
      nextAt: 0,
    },
    promqlMaxResponseBytes: options.promqlMaxResponseBytes ?? 4 * 1024 * 1024,
    backtestLimits: options.backtestLimits ?? DEFAULT_RANGE_LIMITS,
    delivery: {
      timeoutMs: options.deliveryTimeoutMs ?? 10_000,
      resolveSecret: secretResolver(
        options.env ?? process.env,
        ...(options.specEnvAllowed === undefined ? [] : [options.specEnvAllowed]),
      ),
      evidenceBaseUrl: options.evidenceBaseUrl ?? 'http://127.0.0.1:4318',
      random: Math.random,
      ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    },
  };
  const workers = await startEvaluatorWorkers(ctx, {
    connection: redis,
    prefix: options.prefix ?? defaultQueuePrefix,
    ...(options.evaluateConcurrency === undefined
      ? {}
      : { evaluateConcurrency: options.evaluateConcurrency }),
    ...(options.deliverConcurrency === undefined ? {} : { deliverConcurrency: options.deliverConcurrency }),
    ...(options.tickEveryMs === undefined ? {} : { tickEveryMs: options.tickEveryMs }),
    ...(options.sweepEveryMs === undefined ? {} : { sweepEveryMs: options.sweepEveryMs }),
    ...(options.watchdogIntervalMs === undefined ? {} : { watchdogIntervalMs: options.watchdogIntervalMs }),
    ...(options.watchdogStuckAfterMs === undefined
      ? {}
      : { watchdogStuckAfterMs: options.watchdogStuckAfterMs }),
  });
  return {
    ctx,
    workers,
    async close(timeoutMs = 3_000) {
      await workers.close(timeoutMs);
      await closeQueues(queues);
      await closeRedis(redis);
      await egress.close();
    },
  };
}
