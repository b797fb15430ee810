import type { Compare } from '@rollout-guard/shared/spec';
import type { DistributionComparison } from '@rollout-guard/shared/stats';
import type { CriterionOutcome, GuardrailOutcome } from './check.ts';
import type { AllowedAsWritten, Placement } from './limit.ts';
import type { CohortMeasurement, DifferenceEstimate, MeasurementWindow, Reference } from './measurement.ts';
import type { JudgedBy } from './placement.ts';

/**
 * Everything one check contributed to a decision: enough for a reviewer to recompute the outcome by hand
 * from the numbers, the limit applied in that wave and the rule.
 */
export interface CheckEvidence {
  readonly check: string;
  readonly role: 'guardrail' | 'criterion';
  readonly compare: Compare;
  /** The reference cohort actually used; null for absolute checks. */
  readonly reference: Reference | null;
  /** The limit applied in this wave, as the spec wrote it, and where it came from (`allowed` or `allowedByWave.25`). */
  readonly allowed: AllowedAsWritten;
  readonly limitSource: string;
  /** The rule in words, e.g. "breached when the whole interval lies outside allowed for 3 evaluations in a row". */
  readonly rule: string;
  /**
   * What the placement was decided on: the always-valid interval, or the value (`judge: value`, or an aggregate
   * without an interval). Absent in decisions recorded before the interval rule.
   */
  readonly judgedBy?: JudgedBy;
  readonly confidence: number;
  readonly minSamples: number;
  /** Guardrails only: evaluations in a row found outside `allowed`, and how many the guardrail needs. */
  readonly consecutive?: { readonly count: number; readonly required: number };
  /** The spec's `window`: `wave` or a trailing duration such as `1h`. */
  readonly windowSpec: string;
  /** The span the data actually covered; null without a measurement. */
  readonly window: MeasurementWindow | null;
  readonly cohorts: {
    readonly treatment: CohortMeasurement | null;
    readonly reference: CohortMeasurement | null;
  };
  readonly difference: {
    readonly absolute?: DifferenceEstimate;
    readonly relative?: DifferenceEstimate;
  } | null;
  /**
   * `aggregate: distribution`: both distributions (each cohort's share at or below every boundary), each
   * difference's interval and where they differ most; `difference.absolute` is their distance.
   */
  readonly distribution?: DistributionComparison;
  /** Where the compared quantity lay relative to `allowed`; null when there was not enough data to place it. */
  readonly placement: Placement | null;
  readonly outcome: GuardrailOutcome | CriterionOutcome;
  /** One sentence saying why the outcome is what it is. */
  readonly explanation: string;
  /** Present (true) for a check in shadow mode: recorded, never acting, not counted in go/no-go. */
  readonly shadow?: true;
  /** The check's owner and runbook (its own, else the rollout's), when the spec declared them. */
  readonly owner?: string;
  readonly runbook?: string;
  /** The spec's `summary` template, rendered with this evidence when the decision was taken. */
  readonly summary?: string;
}
