import type { ActionTargetInput } from './action-target.ts';
import { DEFAULT_FLAGSMITH_URL, DEFAULT_LAUNCHDARKLY_URL, DEFAULT_PAGERDUTY_URL } from './action-target.ts';
import { type Aggregate, aggregateOfQuantile, quantileOf } from './aggregate.ts';
import type { GuardrailInput, SuccessCriterionInput } from './check.ts';
import { type Duration, durationOf, parseDuration } from './duration.ts';
import { type AllowedInput, parseAllowed } from './limit.ts';
import { DEFAULT_PROMQL_INTERVAL, type MetricInput, type MetricRef } from './metric.ts';
import { mergeOncall, type Oncall } from './oncall.ts';
import type {
  ActionTarget,
  Cohorts,
  DistributionSettings,
  Guardrail,
  RolloutSpec,
  SuccessCriterion,
  Wave,
  Window,
} from './resolved.ts';
import type { RolloutSpecFields } from './schema.ts';
import { resolveScrapeTarget } from './scrape.ts';
import { parseSecret } from './secret.ts';
import type { WaveInput } from './wave.ts';

// Defaults that depend on other fields are resolved here, once, at parse time, so the evaluator
// and the API read one complete object. The only default left to evaluation time is a check's
// minSamples, which depends on the wave being judged (see `minSamplesFor`).

function duration(text: string): Duration {
  const parsed = parseDuration(text);
  // The schema validated every duration before resolving; reaching this is a bug.
  if (!parsed) throw new Error(`unparsed duration "${text}" reached spec resolution`);
  return parsed;
}

/** Half the bake, shortened so that one extension still fits under maxBake when that is tighter. */
export function defaultExtendMs(bakeMs: number, maxBakeMs: number): number {
  const room = maxBakeMs - bakeMs;
  return room > 0 ? Math.min(bakeMs / 2, room) : bakeMs / 2;
}

export function resolveWave(input: WaveInput, index: number): Wave {
  const bake = duration(input.bake ?? '1d');
  const maxBake = input.maxBake === undefined ? durationOf(bake.ms * 2) : duration(input.maxBake);
  return {
    index,
    percent: input.percent,
    bake,
    minSamples: input.minSamples ?? 100,
    extend:
      input.extend === undefined ? durationOf(defaultExtendMs(bake.ms, maxBake.ms)) : duration(input.extend),
    maxBake,
  };
}

/** Prometheus label form of an attribute name: `feature_flag.result.variant` → `feature_flag_result_variant`. */
export function promLabelName(attribute: string): string {
  return attribute.replaceAll('.', '_');
}

function resolveMetric(input: MetricInput, cohorts: Cohorts, prometheusUrl: string | undefined): MetricRef {
  if (typeof input === 'string') return { kind: 'name', name: input };
  if ('ratio' in input) return { kind: 'ratio', ...input.ratio };
  const url = input.url ?? prometheusUrl;
  if (url === undefined) throw new Error('promql check without a url reached spec resolution');
  return {
    kind: 'promql',
    query: input.promql,
    cohortLabel: input.cohortLabel ?? promLabelName(cohorts.attribute),
    interval: duration(input.interval ?? DEFAULT_PROMQL_INTERVAL),
    url,
  };
}

function resolveAggregate(input: { aggregate?: string | undefined; quantile?: number | undefined }): {
  aggregate: Aggregate;
  quantile?: number;
} {
  if (input.quantile !== undefined) {
    const aggregate = aggregateOfQuantile(input.quantile);
    if (aggregate) return { aggregate, quantile: input.quantile };
  }
  const aggregate = (input.aggregate ?? 'mean') as Aggregate;
  const quantile = quantileOf(aggregate);
  return quantile === undefined ? { aggregate } : { aggregate, quantile };
}

function resolveWindow(text: string | undefined): Window {
  return text === undefined || text === 'wave' ? 'wave' : duration(text);
}

function resolveDistribution(
  input: GuardrailInput | SuccessCriterionInput,
): DistributionSettings | undefined {
  if (input.aggregate !== 'distribution') return undefined;
  // The cross-field rules refused a distribution check without a tolerance before resolving.
  if (input.tolerance === undefined)
    throw new Error('distribution check without a tolerance reached spec resolution');
  return {
    tolerance: input.tolerance,
    ...(input.boundaries !== undefined && { boundaries: [...input.boundaries] }),
  };
}

function requiredAllowed(input: GuardrailInput | SuccessCriterionInput): AllowedInput {
  // The cross-field rules refused any other check without allowed before resolving.
  if (input.allowed === undefined)
    throw new Error(`check "${input.name}" without allowed reached spec resolution`);
  return input.allowed;
}

interface CheckContext {
  readonly cohorts: Cohorts;
  readonly confidence: number;
  readonly prometheusUrl: string | undefined;
  /** The rollout's owner, runbook and summary, for checks that do not declare their own. */
  readonly oncall: Oncall;
}

function resolveCheckBase(input: GuardrailInput | SuccessCriterionInput, context: CheckContext) {
  const allowedByWave = Object.fromEntries(
    Object.entries(input.allowedByWave ?? {}).map(([percent, allowed]) => [
      String(Number(percent)),
      parseAllowed(allowed),
    ]),
  );
  const distribution = resolveDistribution(input);
  return {
    name: input.name,
    metric: resolveMetric(input.metric, context.cohorts, context.prometheusUrl),
    ...resolveAggregate(input),
    compare: input.compare ?? 'absolute',
    ...(distribution !== undefined && { distribution }),
    // A distribution check's tolerance is the upper bound on its distance: the same rule judges it.
    allowed: parseAllowed(
      distribution === undefined ? requiredAllowed(input) : { max: distribution.tolerance },
    ),
    allowedByWave,
    window: resolveWindow(input.window),
    judge: input.judge ?? 'interval',
    consecutive: input.consecutive ?? 1,
    noData: input.noData ?? 'ignore',
    ...(input.minSamples !== undefined && { minSamples: input.minSamples }),
    confidence: input.confidence ?? context.confidence,
    mode: input.mode ?? 'enforce',
    ...mergeOncall(input, context.oncall),
  };
}

export function resolveGuardrail(input: GuardrailInput, context: CheckContext): Guardrail {
  return { kind: 'guardrail', ...resolveCheckBase(input, context), onBreach: input.onBreach ?? 'rollback' };
}

export function resolveSuccessCriterion(
  input: SuccessCriterionInput,
  context: CheckContext,
): SuccessCriterion {
  return { kind: 'successCriterion', ...resolveCheckBase(input, context) };
}

export function resolveTarget(input: ActionTargetInput): ActionTarget {
  switch (input.format) {
    case undefined:
    case 'standard':
      return {
        format: 'standard',
        url: input.url,
        ...(input.secret !== undefined && { secret: parseSecret(input.secret) }),
        headers: input.headers ?? {},
      };
    case 'slack':
      return { format: 'slack', url: input.url };
    case 'pagerduty':
      return {
        format: 'pagerduty',
        routingKey: parseSecret(input.routingKey),
        url: input.url ?? DEFAULT_PAGERDUTY_URL,
      };
    case 'alertmanager':
      return { format: 'alertmanager', url: input.url, headers: input.headers ?? {} };
    case 'alertmanager-v2':
      return { format: 'alertmanager-v2', url: input.url, headers: input.headers ?? {} };
    case 'unleash':
      return {
        format: 'unleash',
        url: input.url.replace(/\/+$/, ''),
        token: parseSecret(input.token),
        project: input.project,
        environment: input.environment,
        ...(input.strategyId !== undefined && { strategyId: input.strategyId }),
      };
    case 'launchdarkly':
      return {
        format: 'launchdarkly',
        url: (input.url ?? DEFAULT_LAUNCHDARKLY_URL).replace(/\/+$/, ''),
        token: parseSecret(input.token),
        project: input.project,
        environment: input.environment,
        ...(input.variations !== undefined && { variations: input.variations }),
      };
    case 'flagsmith':
      return {
        format: 'flagsmith',
        url: (input.url ?? DEFAULT_FLAGSMITH_URL).replace(/\/+$/, ''),
        token: parseSecret(input.token),
        environment: input.environment,
        ...(input.variant !== undefined && {
          variant: { optionId: input.variant.optionId },
        }),
      };
  }
}

export function resolveSpec(fields: RolloutSpecFields): RolloutSpec {
  const { spec } = fields;
  const context: CheckContext = {
    cohorts: spec.cohorts,
    confidence: spec.confidence,
    prometheusUrl: spec.prometheus?.url,
    oncall: mergeOncall(spec, {}),
  };
  return {
    apiVersion: fields.apiVersion,
    kind: fields.kind,
    metadata: { name: fields.metadata.name, labels: fields.metadata.labels },
    spec: {
      flag: spec.flag,
      ...context.oncall,
      match: spec.match,
      cohorts: spec.cohorts,
      ...(spec.baseline && { baseline: { window: duration(spec.baseline.window) } }),
      ...(spec.prometheus && { prometheus: { url: spec.prometheus.url } }),
      scrape: spec.scrape.map(resolveScrapeTarget),
      waves: spec.waves.map(resolveWave),
      mode: spec.mode,
      approval: spec.approval,
      confidence: spec.confidence,
      guardrails: spec.guardrails.map((g) => resolveGuardrail(g, context)),
      successCriteria: spec.successCriteria.map((c) => resolveSuccessCriterion(c, context)),
      actions: {
        rollback: spec.actions.rollback.map(resolveTarget),
        verdict: spec.actions.verdict.map(resolveTarget),
        advance: spec.actions.advance.map(resolveTarget),
        alert: spec.actions.alert.map(resolveTarget),
      },
    },
  };
}
