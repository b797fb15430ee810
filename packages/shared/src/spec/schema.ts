import { z } from 'zod';
import { actionsInput } from './action-target.ts';
import { guardrailInput, rolloutModeInput, successCriterionInput } from './check.ts';
import { positiveDurationText } from './duration.ts';
import { prometheusUrl } from './metric.ts';
import { ownerInput, runbookInput, summaryInput } from './oncall.ts';
import { resolveSpec } from './resolve.ts';
import type { RolloutSpec } from './resolved.ts';
import { checkCrossFieldRules } from './rules.ts';
import { scrapeListInput } from './scrape.ts';
import { wavesInput } from './wave.ts';

export const API_VERSION = 'rollout-guard/v1';
export const ROLLOUT_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const DEFAULT_COHORTS = {
  attribute: 'feature_flag.result.variant',
  treatment: 'on',
  control: 'off',
} as const;
export const DEFAULT_CONFIDENCE = 0.95;

const stringMap = (what: string, example: string) =>
  z.record(z.string(), z.string({ error: `expected a string value (quote numbers and booleans: "200")` }), {
    error: `expected a map of ${what}, like ${example}`,
  });

const CONFIDENCE_HINT = 'expected a confidence greater than 0 and less than 1, like 0.95';

export const rolloutSpecInputSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { error: `expected apiVersion: ${API_VERSION}` }),
    kind: z.literal('Rollout', { error: 'expected kind: Rollout' }),
    metadata: z.strictObject({
      name: z
        .string({ error: 'expected a rollout name' })
        .regex(ROLLOUT_NAME_PATTERN, {
          error:
            'expected lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63',
        })
        .meta({ description: 'The rollout id, used in every URL: [a-z0-9-], at most 63 characters.' }),
      labels: stringMap('label names to values', '{ team: payments }').default({}),
    }),
    spec: z.strictObject({
      flag: z
        .string({ error: 'expected the feature flag key this rollout releases' })
        .min(1, { error: 'expected the feature flag key this rollout releases, not an empty string' })
        .meta({
          description: 'The feature flag key; data points carrying another feature_flag.key are ignored.',
        }),
      owner: ownerInput.optional(),
      runbook: runbookInput.optional(),
      summary: summaryInput.optional(),
      match: stringMap('attribute names to values', '{ service.name: checkout }')
        .default({})
        .meta({ description: 'Only data points with all these attributes count.' }),
      cohorts: z
        .strictObject({
          attribute: z
            .string({
              error: `expected the name of the attribute that carries the variant, like "${DEFAULT_COHORTS.attribute}"`,
            })
            .min(1, {
              error: `expected the name of the attribute that carries the variant, like "${DEFAULT_COHORTS.attribute}"`,
            })
            .default(DEFAULT_COHORTS.attribute),
          treatment: z
            .string({ error: 'expected the treatment variant as a string, like "on"' })
            .default('on'),
          control: z.string({ error: 'expected the control variant as a string, like "off"' }).default('off'),
        })
        .default({ ...DEFAULT_COHORTS })
        .meta({
          description: "How a data point is put in a cohort: the attribute and the two variants' values.",
        }),
      baseline: z
        .strictObject({ window: positiveDurationText })
        .optional()
        .meta({ description: 'A window of the whole population captured before wave 1 starts.' }),
      prometheus: z
        .strictObject({ url: prometheusUrl })
        .optional()
        .meta({ description: 'The Prometheus that promql checks query unless they name their own url.' }),
      scrape: scrapeListInput,
      waves: wavesInput,
      mode: rolloutModeInput,
      approval: z.enum(['manual', 'auto'], { error: 'expected manual or auto' }).default('manual').meta({
        description: 'manual (default): an operator approves each next wave; auto: a go verdict starts it.',
      }),
      confidence: z
        .number({ error: CONFIDENCE_HINT })
        .gt(0, { error: CONFIDENCE_HINT })
        .lt(1, { error: CONFIDENCE_HINT })
        .default(DEFAULT_CONFIDENCE)
        .meta({
          description: `Confidence of every check's interval unless it sets its own. Default: ${DEFAULT_CONFIDENCE}.`,
        }),
      guardrails: z
        .array(guardrailInput, { error: 'expected a list of guardrails' })
        .default([])
        .meta({ description: 'Rollback triggers, watched continuously in every wave.' }),
      successCriteria: z
        .array(successCriterionInput, { error: 'expected a list of success criteria' })
        .default([])
        .meta({ description: "Go/no-go gates, judged at every wave's checkpoint." }),
      actions: actionsInput,
    }),
  })
  .meta({
    title: 'rollout-guard Rollout',
    description: 'A progressive release guarded by rollout-guard (apiVersion rollout-guard/v1).',
  });

export type RolloutSpecInput = z.input<typeof rolloutSpecInputSchema>;
export type RolloutSpecFields = z.output<typeof rolloutSpecInputSchema>;

/**
 * The rollout spec: field rules, then the cross-field rules (run even when some fields are wrong,
 * so a user sees every problem at once), then every default resolved into a `RolloutSpec`.
 */
export const rolloutSpecSchema = rolloutSpecInputSchema
  .superRefine(checkCrossFieldRules, { when: () => true })
  .transform((fields): RolloutSpec => resolveSpec(fields));
