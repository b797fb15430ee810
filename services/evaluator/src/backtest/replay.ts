import {
  type Decision,
  type Effect,
  initialState,
  type Phase,
  type RolloutEvent,
  type RolloutState,
  transition,
} from '@rollout-guard/shared/decision';
import type { RolloutSpec } from '@rollout-guard/shared/spec';
import type { CohortStats } from '@rollout-guard/shared/stats';
import type { BucketWindow, Cohort, StatsWanted } from '@rollout-guard/shared/store';
import { measureChecks, type ReadStats } from '../measure/measure-check.ts';

/** Recorded data, read by time range: the collector's buckets, or a Prometheus. */
export interface BacktestSource {
  /** The statistic of `metric` for a cohort over [fromMs, toMs), or null when nothing was recorded. */
  read(
    metric: string,
    cohort: Cohort,
    fromMs: number,
    toMs: number,
    wanted: StatsWanted,
  ): Promise<CohortStats | null>;
}

export interface ReplayOptions {
  readonly spec: RolloutSpec;
  /** When the replayed rollout starts (unix ms), and when the replay stops. */
  readonly from: number;
  readonly to: number;
  /** How often the guardrails are evaluated. */
  readonly intervalMs: number;
  readonly source: BacktestSource;
}

/** How one wave of the replay ended. */
export interface WaveOutcome {
  readonly index: number;
  readonly percent: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /**
   * `go`: it passed its checkpoint; `no-go`: it stopped there; `rolled-back`: a guardrail rolled it back;
   * `paused`: a guardrail paused it; `unfinished`: the recorded data ended first.
   */
  readonly outcome: 'go' | 'no-go' | 'rolled-back' | 'paused' | 'unfinished';
  /** The decision that ended the wave, with the same evidence as a live one; null when unfinished. */
  readonly decisionId: string | null;
  readonly why: string;
}

export interface ReplayResult {
  readonly from: number;
  readonly to: number;
  readonly phase: Phase;
  readonly waves: readonly WaveOutcome[];
  readonly decisions: readonly Decision[];
  /** Evaluations run. */
  readonly evaluations: number;
}

const ACTOR = 'backtest';

/**
 * Replays recorded data through the decision core exactly as the evaluator runs it: the same state machine,
 * the same measurements (`measureChecks`), the guardrails every `intervalMs`, the timers at their deadlines,
 * the checkpoints on the success criteria. What live needs a person for is done at once: a manual approval
 * is given as soon as the rollout waits for it. The replayed rollout enforces (shadow modes are ignored: the
 * question is what it would have done); it stops at a rollback, a no-go, a pause, completion or `to`.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const { from, to, intervalMs, source } = options;
  const spec: RolloutSpec = { ...options.spec, spec: { ...options.spec.spec, mode: 'enforce' } };
  const baselineEnd = from + (spec.spec.baseline?.window.ms ?? 0);
  let state: RolloutState = initialState(spec, 1);
  const decisions: Decision[] = [];
  const timers: { event: 'baseline-complete' | 'bake-elapsed'; at: number }[] = [];
  let evaluations = 0;

  const readAt =
    (now: number): ReadStats =>
    (metric, cohort, window: BucketWindow, wanted) => {
      if (window.kind === 'range') return source.read(metric, cohort, window.fromMs, window.toMs, wanted);
      if (window.kind === 'baseline') return source.read(metric, 'baseline', from, baselineEnd, wanted);
      const wave = state.history[window.waveEpoch - 1];
      if (wave === undefined) return Promise.resolve(null);
      return source.read(metric, cohort, wave.startedAt, now, wanted);
    };

  async function apply(event: RolloutEvent, at: number): Promise<void> {
    const result = transition(state, event, at);
    if (!result.ok) return;
    state = result.state;
    await follow(result.effects, at);
  }

  async function follow(effects: readonly Effect[], at: number): Promise<void> {
    for (const effect of effects) {
      if (effect.type === 'decision') decisions.push(effect.decision);
      else if (effect.type === 'schedule') timers.push({ event: effect.event, at: effect.at });
    }
    for (const effect of effects) {
      if (effect.type !== 'evaluate-checkpoint') continue;
      const measurements = await measureChecks(readAt(at), spec.spec.successCriteria, state, at);
      await apply({ type: 'checkpoint', measurements }, at);
    }
    if (state.phase === 'awaiting-approval') await apply({ type: 'approve', actor: ACTOR }, at);
  }

  const ended = () =>
    state.phase === 'paused' || ['completed', 'rolled-back', 'aborted'].includes(state.phase);
  await apply({ type: 'start', actor: ACTOR, reason: 'backtest' }, from);
  for (let now = from + intervalMs; now <= to && !ended(); now += intervalMs) {
    // Timers due by now fire at their own time, in order; a stale one is refused as live.
    timers.sort((a, b) => a.at - b.at);
    while (timers.length > 0 && timers[0]!.at <= now && !ended()) {
      const timer = timers.shift()!;
      await apply({ type: timer.event }, timer.at);
    }
    if (ended()) break;
    if (state.phase === 'wave' || state.phase === 'checkpoint' || state.phase === 'awaiting-approval') {
      const measurements = await measureChecks(readAt(now), spec.spec.guardrails, state, now);
      evaluations += 1;
      await apply({ type: 'evaluation', measurements }, now);
    }
  }
  return { from, to, phase: state.phase, waves: waveOutcomes(state, decisions), decisions, evaluations };
}

function waveOutcomes(state: RolloutState, decisions: readonly Decision[]): WaveOutcome[] {
  return state.history.map((wave) => {
    const ofWave = decisions.filter((d) => d.wave?.index === wave.index);
    const ending =
      ofWave.find((d) => d.kind === 'rollback') ??
      ofWave.find((d) => d.kind === 'verdict' && (d.outcome === 'go' || d.outcome === 'no-go')) ??
      ofWave.find((d) => d.kind === 'paused');
    const base = {
      index: wave.index,
      percent: wave.percent,
      startedAt: wave.startedAt,
      endedAt: wave.endedAt,
    };
    if (ending === undefined) {
      return {
        ...base,
        outcome: 'unfinished',
        decisionId: null,
        why: 'the recorded data ended before the wave did',
      };
    }
    const outcome =
      ending.kind === 'rollback'
        ? 'rolled-back'
        : ending.kind === 'paused'
          ? 'paused'
          : (ending.outcome as 'go' | 'no-go');
    return {
      ...base,
      endedAt: wave.endedAt ?? ending.at,
      outcome,
      decisionId: ending.id,
      why: ending.reason,
    };
  });
}
