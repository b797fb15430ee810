import type { Check, Compare, RolloutSpec, Wave } from '../spec/index.ts';
import type { CheckExpectation } from './assumptions.ts';
import { type CheckPlanning, finite, startPlanning } from './check-planning.ts';
import { checkpointOf } from './checkpoint.ts';
import { planCriterion } from './criterion-plan.ts';
import { planGuardrail } from './guardrail-plan.ts';
import { levelsOf } from './interval-design.ts';

export { checkpointOf, formatMinutes } from './checkpoint.ts';

/** How the planner can treat a check: by its always-valid interval, by its value, or not at all. */
export type PlanMethod = 'interval' | 'value' | 'unplanned';

export interface Assumed {
  readonly value: number;
  readonly source: 'given' | 'default';
}

export interface Samples {
  readonly treatment: number;
  readonly reference: number | null;
}

/** When a verdict or an action is expected; `minutes` null when it never comes. */
export interface Timing {
  readonly minutes: number | null;
  /** Samples per cohort by then (the reference's own, fixed, for a baseline). */
  readonly samples: Samples | null;
}

export interface CheckPlan {
  readonly check: string;
  readonly role: 'guardrail' | 'criterion';
  readonly compare: Compare;
  readonly shadow: boolean;
  readonly method: PlanMethod;
  /** Why a check is judged by value, or why it cannot be planned. */
  readonly note: string | null;
  /** What the plan rests on, each number given or assumed. */
  readonly assumptions: Readonly<Record<string, Assumed>>;
  readonly reference: 'none' | 'control' | 'baseline' | 'previous wave control';
  readonly perMinute: { readonly treatment: number; readonly reference: number | null };
  /** Success criteria: the expected verdict, and when a checkpoint finds it in half the runs (and in 90%). */
  readonly verdict:
    | (Timing & {
        readonly expected: 'pass' | 'fail';
        readonly minutes90: number | null;
        /** Which checkpoint of the wave first sees it: `bake`, `extension 1`, … or `never`. */
        readonly checkpoint: string;
      })
    | null;
  /** Guardrails: the breach planned for, and the median time until it acts. */
  readonly breach: (Timing & { readonly value: number | null }) | null;
  readonly warnings: readonly string[];
}

export interface PlanContext {
  readonly spec: RolloutSpec;
  readonly wave: Wave;
  /** Requests per minute across the whole population. */
  readonly traffic: number;
  readonly expectation: CheckExpectation | undefined;
}

const QUANTILE_NOTE =
  'a quantile’s interval depends on the shape of the distribution and on its histogram buckets; a backtest on recorded data answers this';
const DISTRIBUTION_NOTE =
  'a distribution check’s time to act depends on where the two distributions differ and on the boundaries; a backtest on recorded data answers this';
const VALUE_NOTE =
  'judged by its value (no sampling interval): a verdict as soon as every cohort has minSamples, and a value near its limit flips with noise';

/**
 * One check in one wave: how long its always-valid interval needs, at the wave's traffic, to reach a
 * conclusive verdict (success criteria) or to act on a breach of a given size (guardrails). Every check is
 * planned as "its interval against the allowed range", whatever its compare.
 */
export function planCheck(ctx: PlanContext, check: Check): CheckPlan {
  const planning = startPlanning(ctx, check);
  const { reference, kind } = planning;
  if (reference.design === null) {
    return unplanned(planning, `it has no ${reference.label} to compare with in this wave`);
  }
  if (kind === 'quantile') return unplanned(planning, QUANTILE_NOTE);
  if (kind === 'distribution') return unplanned(planning, DISTRIBUTION_NOTE);
  if (kind === 'value') return judgedByValue(planning);

  const levels = levelsOf(planning);
  if ('unplanned' in levels) return unplanned(planning, levels.unplanned);
  if (check.kind === 'successCriterion') {
    const { verdict, warnings } = planCriterion(planning, levels);
    return { ...planned(planning, 'interval', null), verdict, breach: null, warnings };
  }
  const guardrail = planGuardrail(planning, levels);
  if ('unplanned' in guardrail) return unplanned(planning, guardrail.unplanned);
  const { breach, warnings } = guardrail;
  return { ...planned(planning, 'interval', null), verdict: null, breach, warnings };
}

/** What every plan of the check says, whatever its method. */
function planned(planning: CheckPlanning, method: PlanMethod, note: string | null) {
  const { check, reference } = planning;
  return {
    check: check.name,
    role: check.kind === 'guardrail' ? ('guardrail' as const) : ('criterion' as const),
    compare: check.compare,
    shadow: check.mode === 'shadow',
    reference: reference.label,
    perMinute: { treatment: planning.treatmentPerMinute, reference: reference.perMinute },
    method,
    note,
    assumptions: planning.assumptions,
  };
}

function unplanned(planning: CheckPlanning, note: string): CheckPlan {
  // Said once for the whole plan (planRollout), not once per wave.
  return { ...planned(planning, 'unplanned', note), verdict: null, breach: null, warnings: [] };
}

/** Without a sampling interval: a verdict, or an action, as soon as every cohort holds minSamples. */
function judgedByValue(planning: CheckPlanning): CheckPlan {
  const { check, floor } = planning;
  const minutes = finite(floor);
  const samples = planning.samplesAt(minutes);
  return {
    ...planned(planning, 'value', VALUE_NOTE),
    verdict:
      check.kind === 'successCriterion'
        ? {
            expected: 'pass',
            minutes,
            minutes90: minutes,
            samples,
            checkpoint: checkpointOf(planning.ctx.wave, floor),
          }
        : null,
    breach: check.kind === 'guardrail' ? { value: null, minutes, samples } : null,
    warnings: [],
  };
}
