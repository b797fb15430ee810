import { defaultEgressPolicy } from '@rollout-guard/shared/egress';
import { enqueueEvaluate } from '@rollout-guard/shared/jobs';
import type { RedisClient } from '@rollout-guard/shared/redis';
import {
  type Cohort,
  createRolloutStore,
  FIELD,
  type RolloutStore,
  waveTotalKey,
} from '@rollout-guard/shared/store';
import { type StartRedisOptions, startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type Handler, startReceiver, type TestReceiver } from './delivery/test-receiver.ts';
import { type EvaluatorCore, type EvaluatorCoreOptions, startEvaluatorCore } from './evaluator.ts';
import type { WorkerLog } from './workers/context.ts';

/** The Standard Webhooks secret of the test specs (store/test-rollouts.ts). */
export const TEST_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export const silentLog: WorkerLog = { info() {}, warn() {}, error() {} };

/**
 * An evaluator in this process, on a test's Redis, quiet, with fast ticks and sweeps; its webhooks and
 * queries may reach loopback, where the tests' receivers listen.
 */
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
    egressPolicy: { ...defaultEgressPolicy, allowLoopback: true },
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

/** A test suite's own redis-server, a client on it and a rollout store on that client. */
export interface TestStore {
  readonly server: TestRedis;
  readonly redis: Redis;
  readonly store: RolloutStore;
}

/** Starts a private redis-server with a client and a store; `stop()` disconnects and removes the server. */
export async function startTestStore(
  options: StartRedisOptions = { appendonly: false },
): Promise<TestStore & { stop(): Promise<void> }> {
  const server = await startRedis(options);
  const redis = new Redis(server.url);
  return {
    server,
    redis,
    store: createRolloutStore(redis),
    async stop() {
      redis.disconnect();
      await server.stop();
    },
  };
}

/**
 * A suite-wide fixture: `setup` runs in `beforeAll`, its `stop()` in `afterAll`. Reading the returned
 * fixture before `beforeAll` has run (at a file's top level) throws, rather than handing out undefined.
 */
export function useSuiteFixture<T extends object>(setup: () => Promise<T & { stop(): Promise<void> }>): T {
  let started: (T & { stop(): Promise<void> }) | undefined;
  beforeAll(async () => {
    started = await setup();
  });
  afterAll(async () => {
    await started?.stop();
  });
  return new Proxy({} as T, {
    get(_target, property) {
      if (started === undefined)
        throw new Error('the suite fixture starts in beforeAll: read it in a test or hook');
      return Reflect.get(started, property);
    },
  });
}

/** Everything an in-process evaluator test needs; what a test starts through it is closed after that test. */
export interface EvaluatorTestBed extends TestStore {
  /** A real HTTP receiver for the test's webhooks. */
  startReceiver(handler?: Handler): Promise<TestReceiver>;
  /** An evaluator in this process on the suite's Redis (see `startTestEvaluator`). */
  startEvaluator(options?: Partial<EvaluatorCoreOptions>): Promise<EvaluatorCore>;
  /**
   * An evaluator that ticks and sweeps only when the test calls `tick` or `sweepOutbox` (both an hour
   * apart), returned once the tick and the sweep BullMQ's schedulers run at start have ended: one still
   * running could take what the test sets up.
   */
  startHandDrivenEvaluator(options?: Partial<EvaluatorCoreOptions>): Promise<EvaluatorCore>;
}

const HOUR = 3_600_000;

/**
 * For a file of evaluator tests: its own Redis (no AOF) and store for the whole file; after each test the
 * evaluator and receiver it started are closed and Redis is flushed, so every test starts from nothing.
 */
export function useEvaluatorTestBed(): EvaluatorTestBed {
  const base = useSuiteFixture(() => startTestStore());
  let receiver: TestReceiver | undefined;
  let evaluator: EvaluatorCore | undefined;
  afterEach(async () => {
    await evaluator?.close(500);
    await receiver?.close();
    evaluator = undefined;
    receiver = undefined;
    await base.redis.flushall();
  });
  return {
    get server() {
      return base.server;
    },
    get redis() {
      return base.redis;
    },
    get store() {
      return base.store;
    },
    async startReceiver(handler) {
      receiver = await startReceiver(handler);
      return receiver;
    },
    async startEvaluator(options = {}) {
      evaluator = await startTestEvaluator(base.server.url, options);
      return evaluator;
    },
    async startHandDrivenEvaluator(options = {}) {
      const started = await this.startEvaluator({ tickEveryMs: HOUR, sweepEveryMs: HOUR, ...options });
      for (const queue of [started.ctx.queues.tick, started.ctx.queues['sweep-outbox']]) {
        await expect
          .poll(() => queue.getJobCounts('completed', 'failed'), { timeout: 10_000 })
          .toEqual({ completed: 1, failed: 0 });
      }
      return started;
    },
  };
}
