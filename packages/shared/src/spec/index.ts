export {
  ACTIONS,
  type ActionName,
  type ActionTargetInput,
  actionTargetInput,
  DEFAULT_FLAGSMITH_URL,
  DEFAULT_LAUNCHDARKLY_URL,
  DEFAULT_PAGERDUTY_URL,
  TARGET_FORMATS,
  type TargetFormat,
} from './action-target.ts';
export {
  type Aggregate,
  aggregateOfQuantile,
  DISTRIBUTION_AGGREGATE,
  NAMED_AGGREGATES,
  quantileOf,
} from './aggregate.ts';
export {
  COMPARES,
  type Compare,
  type GuardrailInput,
  JUDGES,
  type Judge,
  MODES,
  type Mode,
  type SuccessCriterionInput,
} from './check.ts';
export { allChecks, allowedForWave, checkKind, minSamplesFor } from './check-helpers.ts';
export { type Duration, durationOf, formatDuration, parseDuration } from './duration.ts';
export {
  type EnvAllowlist,
  type EnvReference,
  envAllowed,
  envReferences,
  envRefusal,
  parseEnvAllowlist,
  specEnvAllowed,
} from './env-allowed.ts';
export { formatProblems } from './format-problems.ts';
export { rolloutJsonSchema } from './json-schema.ts';
export { type Allowed, isRelative, type Limit, parseLimit } from './limit.ts';
export { type MetricInput, type MetricRef, metricKind } from './metric.ts';
export { mergeOncall, type Oncall, OWNER_MAX, RUNBOOK_MAX } from './oncall.ts';
export { type ParseOptions, type ParseResult, parseSpec, type SpecFormat, validateSpec } from './parse.ts';
export { formatPath, type Problem } from './problem.ts';
export { type LiteralSecret, literalSecrets, REDACTED, redactSource, redactSpec } from './redact.ts';
export { promLabelName } from './resolve.ts';
export type {
  Actions,
  ActionTarget,
  Check,
  Cohorts,
  DistributionSettings,
  Guardrail,
  RolloutSpec,
  SuccessCriterion,
  Wave,
  Window,
} from './resolved.ts';
export {
  API_VERSION,
  DEFAULT_COHORTS,
  DEFAULT_CONFIDENCE,
  type RolloutSpecInput,
  rolloutSpecInputSchema,
  rolloutSpecSchema,
} from './schema.ts';
export {
  DEFAULT_SCRAPE_INTERVAL,
  DEFAULT_SCRAPE_TIMEOUT,
  resolveScrapeTarget,
  SCRAPE_FORMATS,
  type ScrapeFormat,
  type ScrapeTarget,
  type ScrapeTargetInput,
  scrapeConfigSchema,
  scrapeTargetInput,
} from './scrape.ts';
export { parseSecret, resolveSecret, type Secret } from './secret.ts';
export { DEFAULT_SPEC_SHAPE_LIMITS, type SpecShapeLimits } from './spec-shape.ts';
export {
  knownPlaceholdersText,
  renderSummary,
  SUMMARY_PLACEHOLDERS,
  SUMMARY_RENDERED_MAX,
  SUMMARY_TEMPLATE_MAX,
  type SummaryPlaceholder,
  type SummaryValues,
  summaryTemplateProblems,
} from './summary-template.ts';
export { judgedByValueBecause, specWarnings } from './warnings.ts';
export { DEFAULT_BAKE, DEFAULT_MIN_SAMPLES, DEFAULT_WAVE_PERCENTS, type WaveInput } from './wave.ts';
