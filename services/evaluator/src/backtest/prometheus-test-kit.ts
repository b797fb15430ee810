import { createEgress, defaultEgressPolicy, type Egress } from '@rollout-guard/shared/egress';
import type { RolloutSpec } from '@rollout-guard/shared/spec';
import { startPrometheus, type TestPrometheus } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import { type BacktestReport, runBacktest } from './backtest.ts';
import type { BacktestSource } from './replay.ts';

export interface BackfilledPrometheus {
  /** The file's Prometheus, once `beforeAll` has run. */
  readonly prometheus: TestPrometheus;
  /** The egress policy the evaluator runs with, loopback allowed: the tests' Prometheus listens there. */
  readonly egress: Egress;
}

/**
 * For a file of backtest tests: one real Prometheus backfilled with the file's generated OpenMetrics before
 * its tests, stopped after them, and the egress its range queries go through.
 */
export function useBackfilledPrometheus(openmetrics: () => string): BackfilledPrometheus {
  let prometheus: TestPrometheus | undefined;
  const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
  beforeAll(async () => {
    prometheus = await startPrometheus({ openmetrics: openmetrics() });
  }, 90_000);
  afterAll(async () => {
    await Promise.all([prometheus?.stop(), egress.close()]);
  });
  return {
    egress,
    get prometheus() {
      if (prometheus === undefined)
        throw new Error('the Prometheus starts in beforeAll; use it inside a test');
      return prometheus;
    },
  };
}

/**
 * Replays [from, to) as three disjoint runs of data with no real difference between its cohorts and
 * asserts what must then hold: every run completes and the false-rollback rate is 0.
 */
export async function expectNoFalseRollbacks(
  spec: RolloutSpec,
  source: BacktestSource,
  from: number,
  to: number,
): Promise<BacktestReport> {
  const report = await runBacktest({
    spec,
    from,
    to,
    intervalMs: 60_000,
    runs: 3,
    noRealDifference: true,
    source,
  });
  expect(report.runs.map((r) => r.phase)).toEqual(['completed', 'completed', 'completed']);
  expect(report.falseRollbackRate).toBe(0);
  return report;
}
