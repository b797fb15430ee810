import { z } from 'zod';
import { aggregateInput } from './aggregate.ts';
import { DURATION_PATTERN, parseDuration } from './duration.ts';
import { allowedInput } from './limit.ts';
import { metricInput } from './metric.ts';
import { oncallFields } from './oncall.ts';

export const COMPARES = ['absolute', 'baseline', 'control'] as const;
export type Compare = (typeof COMPARES)[number];
export const ON_BREACH = ['rollback', 'pause', 'alert'] as const;
export const NO_DATA = ['ignore', 'alert'] as const;
export const JUDGES = ['interval', 'value'] as const;
export type Judge = (typeof JUDGES)[number];
export const MODES = ['enforce', 'shadow'] as const;
export type Mode = (typeof MODES)[number];
const MODE_HINT = 'expected enforce or shadow';
/** The most boundaries a spec may declare for a distribution check. */
export const MAX_DISTRIBUTION_BOUNDARIES = 64;

export const CHECK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// Wave percents as YAML/JSON keys: "25", "0.5", "100".
export const WAVE_KEY_PATTERN = /^\d+(\.\d+)?$/;

export const WINDOW_PATTERN = new RegExp(`^(wave|${DURATION_PATTERN.source.slice(1, -1)})$`);
const WINDOW_HINT = 'expected "wave" or a duration like "5m" or "1h"';

const checkFields = {
  name: z
    .string({ error: 'expected a check name' })
    .regex(CHECK_NAME_PATTERN, {
      error: 'expected a name of letters, digits, "-", "_" and ".", starting with a letter or digit',
    })
    .meta({ description: 'Unique across guardrails and success criteria; named in every verdict.' }),
  metric: metricInput,
  aggregate: aggregateInput.optional(),
  quantile: z
    .number({ error: 'expected a quantile between 0 and 1, like 0.975' })
    .gt(0, { error: 'expected a quantile greater than 0 and less than 1, like 0.975' })
    .lt(1, { error: 'expected a quantile greater than 0 and less than 1, like 0.975' })
    .optional()
    .meta({ description: 'A quantile in (0, 1); the same as aggregate: pNNN (0.975 = p975).' }),
  compare: z.enum(COMPARES, { error: 'expected absolute, baseline or control' }).default('absolute').meta({
    description: 'absolute: the aggregate itself; baseline / control: the difference treatment − reference.',
  }),
  allowed: allowedInput.optional(),
  tolerance: z
    .number({ error: 'expected a tolerance between 0 and 1, like 0.05 (5 percentage points of requests)' })
    .gt(0, { error: 'expected a tolerance greater than 0 and less than 1, like 0.05' })
    .lt(1, { error: 'expected a tolerance greater than 0 and less than 1, like 0.05' })
    .optional()
    .meta({
      description:
        'aggregate: distribution only (and instead of allowed): how far the share of observations on one side of any boundary may move, as a fraction (0.05 = 5 percentage points of requests).',
    }),
  boundaries: z
    .array(z.number({ error: 'expected a number' }), {
      error: 'expected a list of numbers, like [0.1, 0.25, 0.5]',
    })
    .min(1, { error: 'expected at least one boundary, or leave boundaries out' })
    .max(MAX_DISTRIBUTION_BOUNDARIES, {
      error: `expected at most ${MAX_DISTRIBUTION_BOUNDARIES} boundaries: each spends a share of the error budget`,
    })
    .refine((list) => list.every((b, i) => i === 0 || b > list[i - 1]!), {
      error: 'expected boundaries in increasing order without repeats, like [0.1, 0.25, 0.5]',
    })
    .optional()
    .meta({
      description:
        "aggregate: distribution only: the values (in the metric's unit) at which the two distributions are compared. Default: the histogram's bucket bounds (at most 32).",
    }),
  allowedByWave: z
    .record(
      z.string().regex(WAVE_KEY_PATTERN, { error: 'expected a wave percent as key, like 25' }),
      allowedInput,
      { error: 'expected a map from wave percent to { min, max }, like { 25: { max: 0.04 } }' },
    )
    .optional()
    .meta({ description: 'Bounds for single waves, keyed by wave percent; they override those of allowed.' }),
  window: z
    .string({ error: WINDOW_HINT })
    .regex(WINDOW_PATTERN, { error: WINDOW_HINT })
    .refine((text) => text === 'wave' || (parseDuration(text)?.ms ?? 1) > 0, {
      error: 'expected "wave" or a duration longer than zero, like "1h"',
    })
    .default('wave')
    .meta({ description: '"wave" (default): since the current wave began; a duration: a trailing window.' }),
  judge: z.enum(JUDGES, { error: 'expected interval or value' }).default('interval').meta({
    description:
      'interval (default): acts when the whole always-valid interval lies outside allowed; value: when the value crosses a bound (a hard line, at a cost in false rollbacks; see STATISTICS.md).',
  }),
  consecutive: z
    .int({ error: 'expected a whole number of evaluations, 1 or more' })
    .min(1, { error: 'expected a whole number of evaluations, 1 or more' })
    .default(1)
    .meta({ description: 'Evaluations in a row outside allowed before the check counts as breached.' }),
  noData: z
    .enum(NO_DATA, { error: 'expected ignore or alert' })
    .default('ignore')
    .meta({ description: 'What missing data does: ignore (default) or alert. It is never a breach.' }),
  minSamples: z
    .int({ error: 'expected a whole number of samples, 1 or more' })
    .min(1, { error: 'expected a whole number of samples, 1 or more' })
    .optional()
    .meta({
      description: "Samples needed per cohort before the check is judged. Default: the wave's minSamples.",
    }),
  mode: z.enum(MODES, { error: MODE_HINT }).default('enforce').meta({
    description:
      'enforce (default) or shadow: a shadow check is judged and recorded but never acts and does not count in go/no-go.',
  }),
  confidence: z
    .number({ error: 'expected a confidence between 0 and 1, like 0.95' })
    .gt(0, { error: 'expected a confidence greater than 0 and less than 1, like 0.95' })
    .lt(1, { error: 'expected a confidence greater than 0 and less than 1, like 0.95' })
    .optional()
    .meta({ description: 'Confidence of the interval for this check. Default: spec.confidence.' }),
  // This check's own on-call fields, over the rollout's.
  ...oncallFields,
};

export const guardrailInput = z
  .strictObject({
    ...checkFields,
    onBreach: z
      .enum(ON_BREACH, { error: 'expected rollback, pause or alert' })
      .default('rollback')
      .meta({ description: 'What a breach does: rollback (default), pause or alert.' }),
  })
  .meta({ description: 'A rollback trigger, watched continuously in every wave.' });

export const successCriterionInput = z
  .strictObject(checkFields)
  .meta({ description: "A go/no-go gate, judged at every wave's checkpoint." });

/** Shadow mode for a whole rollout: judged exactly as for real, but no rollback or advance acts. */
export const rolloutModeInput = z.enum(MODES, { error: MODE_HINT }).default('enforce').meta({
  description:
    'enforce (default) or shadow: every decision is recorded and marked shadow, and no rollback or advance webhook acts.',
});

export type GuardrailInput = z.input<typeof guardrailInput>;
export type SuccessCriterionInput = z.input<typeof successCriterionInput>;
