import type { Guardrail, Wave } from '@rollout-guard/shared/spec';
import type { GuardrailOutcome } from './check.ts';
import type { CheckEvidence } from './evidence.ts';
import { allowedAsWritten } from './limit.ts';
import type { Measurement } from './measurement.ts';
import { assess, declaredJudgedBy, quantityWords } from './placement.ts';

export interface GuardrailJudgement {
  readonly outcome: GuardrailOutcome;
  /** Evaluations in a row found outside `allowed`; carry it into the next evaluation. */
  readonly consecutive: number;
  /** True only on the evaluation that makes the guardrail breached: it acts once per breach, not every second. */
  readonly acts: boolean;
  readonly evidence: CheckEvidence;
}

/**
 * PRODUCT.md §1: breached when both cohorts have `minSamples`, the value (absolute) or the whole interval
 * (baseline/control) lies outside the wave's `allowed`, for `consecutive` evaluations in a row.
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
  let outcome: GuardrailOutcome;
  let consecutive = previousConsecutive;
  let explanation: string;
  if (assessment.kind !== 'placed' || assessment.placement === 'unknown') {
    outcome = assessment.kind === 'insufficient' ? 'insufficient' : 'no-data';
    explanation = `${assessment.why}; missing data is never a breach`;
  } else if (assessment.placement === 'outside') {
    consecutive = previousConsecutive + 1;
    outcome = consecutive >= rule.consecutive ? 'breached' : 'ok';
    explanation =
      outcome === 'breached'
        ? `${assessment.why}, ${consecutive} evaluation(s) in a row (${rule.consecutive} needed)`
        : `${assessment.why}, but only ${consecutive} of ${rule.consecutive} evaluations in a row so far`;
  } else {
    consecutive = 0;
    outcome = 'ok';
    explanation = assessment.why;
  }
  const acts = outcome === 'breached' && previousConsecutive < rule.consecutive;
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
        `breached when ${quantityWords(relativeCheck, judgedBy)} lies outside ` +
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
      placement: assessment.kind === 'placed' ? assessment.placement : null,
      outcome,
      explanation,
    },
  };
}
