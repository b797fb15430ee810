import type { RolloutSpec } from '@rollout-guard/shared/spec';
import { type BacktestSource, type ReplayResult, replay } from './replay.ts';

export interface BacktestOptions {
  readonly spec: RolloutSpec;
  readonly from: number;
  readonly to: number;
  readonly intervalMs: number;
  /** [from, to) is cut into this many equal, disjoint spans, each replayed as a rollout of its own. */
  readonly runs: number;
  /**
   * The data has no real difference between its cohorts (an A/A period, or pre-rollout data split by a
   * label): every rollback is then a false one, and the report gives their share.
   */
  readonly noRealDifference: boolean;
  readonly source: BacktestSource;
}

export interface BacktestReport {
  readonly runs: readonly ReplayResult[];
  /** Runs that ended in a rollback. */
  readonly rollbacks: number;
  /** Rollbacks / runs, when the data has no real difference; null otherwise. */
  readonly falseRollbackRate: number | null;
}

/** Replays each span in turn, through the same decision core; the spans share nothing but the source. */
export async function runBacktest(options: BacktestOptions): Promise<BacktestReport> {
  const span = Math.floor((options.to - options.from) / options.runs);
  const runs: ReplayResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    const from = options.from + i * span;
    runs.push(
      await replay({
        spec: options.spec,
        from,
        to: from + span,
        intervalMs: options.intervalMs,
        source: options.source,
      }),
    );
  }
  const rollbacks = runs.filter((r) => r.phase === 'rolled-back').length;
  return {
    runs,
    rollbacks,
    falseRollbackRate: options.noRealDifference ? rollbacks / runs.length : null,
  };
}
