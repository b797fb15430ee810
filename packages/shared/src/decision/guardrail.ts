import type { Guardrail, Wave } from '@rollout-guard/shared/spec';
import type { GuardrailOutcome } from './check.ts';
import type { CheckEvidence } from './evidence.ts';
import { allowedAsWritten } from './limit.ts';
import type { Measurement } from './measurement.ts';
import { type Assessment, assess, declaredJudgedBy, quantityWords } from './placement.ts';

export interface GuardrailJudgement {
  readonly outcome: GuardrailOutcome;
  /** Evaluations in a row found outside `allowed`; carry it into the next evaluation. */
  readonly consecutive: number;
  /** True only on the evaluation that makes the guardrail breached: it acts once per breach, not every second. */
  readonly acts: boolean;
  readonly evidence: CheckEvidence;
}

/**
 * The consecutive rule: an evaluation outside `allowed` counts one, and the guardrail is breached once
 * `required` are in a row; one inside (or straddling) resets the count; missing or thin data neither counts
 * nor resets. It acts only on the evaluation that reaches `required`.
 */
export function countBreach(
  assessment: Assessment,
  previousConsecutive: number,
  required: number,
): { outcome: GuardrailOutcome; consecutive: number; acts: boolean } {
  if (assessment.kind !== 'placed' || assessment.placement === 'unknown') {
    const outcome = assessment.kind === 'insufficient' ? 'insufficient' : 'no-data';
    return { outcome, consecutive: previousConsecutive, acts: false };
  }
  if (assessment.placement !== 'outside') return { outcome: 'ok', consecutive: 0, acts: false };
  const consecutive = previousConsecutive + 1;
  const breached = consecutive >= required;
  return {
    outcome: breached ? 'breached' : 'ok',
    consecutive,
    acts: breached && previousConsecutive < required,
  };
}

/**
 * PRODUCT.md §1: breached when every cohort has `minSamples` and the whole always-valid interval (or the value,
 * when judged by value) lies outside the wave's `allowed`, for `consecutive` evaluations in a row.
 *
 * A judged evaluation that is not outside resets the count. Missing or thin data neither counts nor resets:
 * a scrape gap must not trigger a rollback, and must not hide a breach that is still going on either.
 */
export function judgeGuardrail(
  rule: Guardrail,
  wave: Pick<Wave, 'percent' | 'minSamples'>,
  measurement: Measurement | undefined,
  previousConsecutive: number,
): GuardrailJudgement {
  const assessment = assess(rule, wave, measurement);
  const { outcome, consecutive, acts } = countBreach(assessment, previousConsecutive, rule.consecutive);
  let explanation: string;
  if (assessment.kind !== 'placed' || assessment.placement === 'unknown') {
    explanation = `${assessment.why}; missing data is never a breach`;
  } else if (assessment.placement === 'outside') {
    explanation =
      outcome === 'breached'
        ? `${assessment.why}, ${consecutive} evaluation(s) in a row (${rule.consecutive} needed)`
        : `${assessment.why}, but only ${consecutive} of ${rule.consecutive} evaluations in a row so far`;
  } else {
    explanation = assessment.why;
  }
  const relativeCheck = rule.compare !== 'absolute';
  const judgedBy = assessment.kind === 'placed' ? assessment.judgedBy : declaredJudgedBy(rule);
  return {
    outcome,
    consecutive,
    acts,
    evidence: {
      check: rule.name,
      role: 'guardrail',
      compare: rule.compare,
      reference: relativeCheck ? (measurement?.referenceKind ?? rule.compare) : null,
      allowed: allowedAsWritten(assessment.limit.allowed),
      limitSource: assessment.limit.source,
      rule:
        `breached when ${quantityWords(relativeCheck, judgedBy, rule.distribution !== undefined)} lies outside ` +
        `${assessment.limit.source} for ${rule.consecutive} evaluation(s) in a row, ` +
        `with at least ${assessment.minSamples} samples per cohort` +
        (judgedBy === 'value' ? ' (judged by value)' : ''),
      judgedBy,
      confidence: measurement?.confidence ?? rule.confidence,
      minSamples: assessment.minSamples,
      consecutive: { count: consecutive, required: rule.consecutive },
      windowSpec: rule.window === 'wave' ? 'wave' : rule.window.text,
      window: measurement?.window ?? null,
      cohorts: {
        treatment: measurement?.treatment ?? null,
        reference: measurement?.reference ?? null,
      },
      difference: measurement?.difference ?? null,
      ...(measurement?.distribution !== undefined && { distribution: measurement.distribution }),
      placement: assessment.kind === 'placed' ? assessment.placement : null,
      outcome,
      explanation,
    },
  };
}
