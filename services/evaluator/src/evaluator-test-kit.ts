import { enqueueEvaluate } from '@rollout-guard/shared/jobs';
import type { RedisClient } from '@rollout-guard/shared/redis';
import { type Cohort, FIELD, waveTotalKey } from '@rollout-guard/shared/store';
import { Registry } from 'prom-client';
import { type EvaluatorCore, type EvaluatorCoreOptions, startEvaluatorCore } from './evaluator.ts';
import type { WorkerLog } from './workers/context.ts';

/** The Standard Webhooks secret of the test specs (store/test-rollouts.ts). */
export const TEST_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export const silentLog: WorkerLog = { info() {}, warn() {}, error() {} };

/** An evaluator in this process, on a test's Redis, quiet, with fast ticks and sweeps. */
export function startTestEvaluator(
  redisUrl: string,
  options: Partial<EvaluatorCoreOptions> = {},
): Promise<EvaluatorCore> {
  return startEvaluatorCore({
    redisUrl,
    registry: new Registry(),
    log: silentLog,
    tickEveryMs: 500,
    sweepEveryMs: 1_000,
    deliveryTimeoutMs: 2_000,
    retryPolicy: { baseMs: 20, capMs: 160, giveUpAfterMs: 60_000 },
    ...options,
  });
}

/**
 * Adds counter increases to a rollout's current-wave totals, as the collector's ingest script would after
 * a batch (for tests that exercise the evaluator without the collector).
 */
export async function addWaveCounts(
  redis: RedisClient,
  rollout: string,
  waveEpoch: number,
  counts: Partial<Record<Cohort, Record<string, number>>>,
): Promise<void> {
  const pipeline = redis.pipeline();
  for (const [cohort, metrics] of Object.entries(counts) as Array<[Cohort, Record<string, number>]>) {
    for (const [metric, increase] of Object.entries(metrics)) {
      pipeline.hincrbyfloat(
        waveTotalKey(rollout, waveEpoch, metric, cohort),
        FIELD.counterIncrease,
        increase,
      );
    }
  }
  await pipeline.exec();
}

/** Adds raw observations (count, sum, sum of squares) of a gauge-like metric to the current wave's totals. */
export async function addWaveValues(
  redis: RedisClient,
  rollout: string,
  waveEpoch: number,
  cohort: Cohort,
  metric: string,
  values: readonly number[],
): Promise<void> {
  const key = waveTotalKey(rollout, waveEpoch, metric, cohort);
  const sum = values.reduce((a, b) => a + b, 0);
  const squares = values.reduce((a, b) => a + b * b, 0);
  await redis
    .pipeline()
    .hincrbyfloat(key, FIELD.count, values.length)
    .hincrbyfloat(key, FIELD.sum, sum)
    .hincrbyfloat(key, FIELD.sumSquares, squares)
    .exec();
}

/** Tells the evaluator fresh data arrived, as the collector does after storing a batch. */
export function notifyData(evaluator: EvaluatorCore, rollout: string, ingestedAt = Date.now()) {
  return enqueueEvaluate(evaluator.ctx.queues.evaluate, rollout, 'data', ingestedAt);
}
