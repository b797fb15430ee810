import type { Egress } from '@rollout-guard/shared/egress';
import type { Queues } from '@rollout-guard/shared/jobs';
import type {
  DeliveryLog,
  RedisConnection,
  RetentionPolicy,
  RolloutStore,
} from '@rollout-guard/shared/store';
import type { RangeLimits } from '../backtest/prometheus-range.ts';
import type { RetryPolicy } from '../delivery/backoff.ts';
import type { ResolveSecret } from '../delivery/secret.ts';
import type { EvaluatorMetrics } from '../metrics/evaluator-metrics.ts';

/** Everything a worker needs, built once per process and handed to every handler. */
export interface WorkerContext {
  readonly redis: RedisConnection;
  readonly store: RolloutStore;
  readonly deliveryLog: DeliveryLog;
  readonly queues: Queues;
  readonly metrics: EvaluatorMetrics;
  readonly log: WorkerLog;
  /** The clock every decision is taken by (tests may move it). */
  readonly now: () => number;
  /** Every outbound request (webhooks, PromQL) goes through it: the egress policy. */
  readonly egress: Egress;
  /** How long rollouts' records are kept, and when this process trims them next (epoch ms). */
  readonly retention: { readonly policy: RetentionPolicy; readonly everyMs: number; nextAt: number };
  /** Largest PromQL answer read, in bytes. */
  readonly promqlMaxResponseBytes: number;
  /** What one backtest may read from Prometheus: bytes per answer, points in all. */
  readonly backtestLimits: RangeLimits;
  readonly delivery: {
    readonly timeoutMs: number;
    readonly resolveSecret: ResolveSecret;
    /** Base of the evidence links in webhooks: the collector's public URL. */
    readonly evidenceBaseUrl: string;
    /** Uniform in [0, 1): the retry jitter. */
    readonly random: () => number;
    /** The retry schedule (default: up to 24 h); tests shorten it. */
    readonly retryPolicy?: RetryPolicy;
  };
}

/** The slice of a pino logger the workers use, so tests can pass a silent one. */
export interface WorkerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
