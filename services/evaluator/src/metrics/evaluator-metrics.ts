import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Queue depth is read from Redis when Prometheus scrapes, not kept in step by the workers. */
export type QueueDepthSource = () => Promise<Array<{ queue: string; state: string; count: number }>>;

/**
 * The evaluator's own metrics (PRODUCT.md §4): what it evaluated and decided, how fast a breach became a
 * webhook, how deliveries fare per format, and how its queues keep up.
 */
export function createEvaluatorMetrics(registry: Registry) {
  const registers = [registry];
  const queueDepthSources: QueueDepthSource[] = [];
  return {
    evaluations: new Counter({
      name: 'rollout_guard_evaluations_total',
      help: 'Rollout evaluations by why they ran and how they ended (applied, refused, skipped, error).',
      labelNames: ['reason', 'result'] as const,
      registers,
    }),
    evaluationDuration: new Histogram({
      name: 'rollout_guard_evaluation_duration_seconds',
      help: 'Time to read a rollout, measure its checks and apply the result.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    decisions: new Counter({
      name: 'rollout_guard_decisions_total',
      help: 'Decisions taken, by kind (rollback, verdict, advance …) and outcome (go, no-go, rollback …).',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    breachToWebhook: new Histogram({
      name: 'rollout_guard_breach_to_webhook_seconds',
      help: 'From the ingest of the batch that breached a guardrail to the rollback webhook answered with a 2xx.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    deliveryAttempts: new Counter({
      name: 'rollout_guard_delivery_attempts_total',
      help: 'Webhook delivery attempts by target format and outcome (delivered, retry, stopped, skipped).',
      labelNames: ['format', 'outcome'] as const,
      registers,
    }),
    deliveryFailures: new Counter({
      name: 'rollout_guard_delivery_failures_total',
      help: 'Webhook deliveries that ended without success, by format and why (stopped, gave-up).',
      labelNames: ['format', 'reason'] as const,
      registers,
    }),
    jobWait: new Histogram({
      name: 'rollout_guard_job_wait_seconds',
      help: 'Time a job waited in its queue (from when it was due) before a worker took it.',
      labelNames: ['queue'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
      registers,
    }),
    jobFailures: new Counter({
      name: 'rollout_guard_job_failures_total',
      help: 'Jobs whose handler threw (each is retried per the job catalog), by queue.',
      labelNames: ['queue'] as const,
      registers,
    }),
    promqlErrors: new Counter({
      name: 'rollout_guard_promql_errors_total',
      help: 'Failed PromQL polls (timeouts, HTTP errors, bad answers, egress refusals, answers over the size cap); never counted as a breach.',
      labelNames: ['reason'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'rollout_guard_queue_jobs',
      help: 'Jobs in each queue by state (waiting, delayed, active, failed).',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        this.reset();
        for (const source of queueDepthSources) {
          for (const { queue, state, count } of await source()) this.set({ queue, state }, count);
        }
      },
    }),
    addQueueDepthSource(source: QueueDepthSource) {
      queueDepthSources.push(source);
    },
  };
}

export type EvaluatorMetrics = ReturnType<typeof createEvaluatorMetrics>;
