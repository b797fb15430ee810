import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * The job catalog: every BullMQ job rollout-guard runs, its payload schema, retry policy and time limit.
 * Each job name is also its queue's name, so workers for slow jobs (deliver, poll-promql) never hold up
 * the fast path (evaluate) and each queue's depth is a metric of its own.
 */

const rolloutName = z.string().regex(/^[a-z0-9-]+$/, 'expected a rollout name of [a-z0-9-]');

export const evaluatePayload = z.object({
  rollout: rolloutName,
  /** Why the evaluation was asked for: fresh data, the periodic tick, an operator action or a spec change. */
  reason: z.enum(['data', 'tick', 'operator', 'spec']),
  /**
   * When the asker enqueued it (unix ms). For `data`, the collector's ingest time of the batch, so the
   * breach → webhook latency histogram measures from the moment the breaching data was stored.
   */
  enqueuedAt: z.number().int().nonnegative(),
});

export const checkpointPayload = z.object({
  rollout: rolloutName,
  /** The timer the decision core asked for: the baseline window's end or a wave's bake end. */
  event: z.enum(['baseline-complete', 'bake-elapsed']),
  /** 1-based wave the timer belongs to; 0 for the baseline. */
  wave: z.number().int().nonnegative(),
  /** When it is due (unix ms). A timer whose deadline has since moved is refused by the state machine. */
  dueAt: z.number().int().nonnegative(),
});

export const pollPromqlPayload = z.object({
  rollout: rolloutName,
  check: z.string().min(1),
});

export const deliverPayload = z.object({
  deliveryId: z.string().min(1),
  rollout: rolloutName,
});

export const backtestPayload = z.object({
  /** The backtest's record (request, status, report) in Redis. */
  id: z.string().regex(/^bt_[a-f0-9]{32}$/, 'expected a backtest id, bt_ and 32 hex characters'),
});

export const tickPayload = z.object({});
export const sweepOutboxPayload = z.object({});

export const jobCatalog = {
  evaluate: {
    payload: evaluatePayload,
    // An evaluation that fails is superseded by the next tick within seconds: retrying old work only delays
    // fresh work, so one quick retry is enough.
    attempts: 2,
    backoff: { type: 'fixed', delay: 200 },
    timeoutMs: 10_000,
  },
  checkpoint: {
    payload: checkpointPayload,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    timeoutMs: 30_000,
  },
  'poll-promql': {
    payload: pollPromqlPayload,
    // A failed poll is counted and the next interval polls again; retrying a stale query has no value.
    attempts: 1,
    backoff: { type: 'fixed', delay: 0 },
    timeoutMs: 30_000,
  },
  deliver: {
    payload: deliverPayload,
    // Webhook retries follow the delivery schedule (up to 24 h, Retry-After honoured) by re-delaying the
    // same job; BullMQ's own attempts only cover crashes of the handler itself.
    attempts: 10,
    backoff: { type: 'exponential', delay: 1_000 },
    timeoutMs: 60_000,
  },
  backtest: {
    payload: backtestPayload,
    // A backtest reads a Prometheus that may be restarting or briefly unreachable: such a failure is retried
    // at 5, 10 and 20 s, long enough for a restart, and each retry restarts the replay from the stored request
    // (the report is written once, whole). Bad input, an answer over the limits and a run past its time would
    // fail again: the handler marks those failed with why and throws UnrecoverableError, so they are not retried.
    attempts: 4,
    backoff: { type: 'exponential', delay: 5_000 },
    timeoutMs: 10 * 60_000,
  },
  tick: {
    payload: tickPayload,
    attempts: 1,
    backoff: { type: 'fixed', delay: 0 },
    timeoutMs: 10_000,
  },
  'sweep-outbox': {
    payload: sweepOutboxPayload,
    attempts: 1,
    backoff: { type: 'fixed', delay: 0 },
    timeoutMs: 30_000,
  },
} as const satisfies Record<
  string,
  {
    payload: z.ZodType;
    attempts: number;
    backoff: { type: 'fixed' | 'exponential'; delay: number };
    timeoutMs: number;
  }
>;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['payload']>;

export const jobNames = Object.keys(jobCatalog) as JobName[];

/** Default BullMQ options for a job of this name: its retry policy and bounded retention of finished jobs. */
export function defaultJobOptions(name: JobName): JobsOptions {
  const entry = jobCatalog[name];
  return {
    attempts: entry.attempts,
    backoff: { ...entry.backoff },
    // Finished jobs are kept briefly for inspection; the delivery log, not BullMQ, is the record of deliveries.
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 24 * 3600, count: 5000 },
  };
}
