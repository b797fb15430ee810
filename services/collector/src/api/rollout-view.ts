import {
  allowedAsWritten,
  appliedLimit,
  type CheckEvidence,
  type Decision,
  webhookReason,
} from '@rollout-guard/shared/decision';
import type { Check } from '@rollout-guard/shared/spec';
import type { StoredSpec, StoredState } from '@rollout-guard/shared/store';
import { Allowed } from '@rollout-guard/shared/webhooks';
import { z } from 'zod';
import { IntervalPair, Phase } from './api-schemas.ts';

export const DistributionView = z
  .object({
    points: z.array(
      z.object({
        boundary: z.number(),
        treatment: z.number(),
        reference: z.number(),
        difference: z.number(),
        lower: z.number(),
        upper: z.number(),
      }),
    ),
    widest: z.number().int().meta({ description: 'Index in points where the two differ most' }),
    alphaPerBoundary: z.number().meta({ description: 'The error budget each boundary’s interval spends' }),
  })
  .meta({ id: 'DistributionView' });

export const CheckView = z
  .object({
    name: z.string(),
    role: z.enum(['guardrail', 'criterion']),
    metric: z.string().meta({ description: 'The metric, or numerator/denominator of a ratio' }),
    compare: z.enum(['absolute', 'baseline', 'control']),
    allowed: Allowed.meta({ description: 'The limit for the current wave' }),
    limitSource: z.string(),
    state: z.string().meta({
      description: 'ok | breached | insufficient | no-data | not-evaluated | pass | fail | inconclusive',
    }),
    value: z.number().nullable().meta({ description: 'The compared quantity in the units of its limit' }),
    interval: IntervalPair.nullable(),
    samples: z.object({ treatment: z.number(), reference: z.number() }),
    window: z.string(),
    consecutive: z.object({ count: z.number(), required: z.number() }).optional(),
    judgedBy: z.enum(['interval', 'value']).optional().meta({
      description:
        'What the latest decision rested on: the whole always-valid interval, or the value (judge: value, or an aggregate without an interval)',
    }),
    explanation: z.string().nullable().meta({
      description:
        'The rule that fired, with its numbers: "the whole interval [0.031, 0.042] lies above max 0.03"',
    }),
    mode: z.enum(['enforce', 'shadow']).meta({
      description: 'shadow: judged and shown, never acting, not counted in go/no-go',
    }),
    owner: z
      .string()
      .nullable()
      .meta({ description: "Who is paged for this check: its own owner, else the rollout's" }),
    runbook: z.string().nullable().meta({ description: "The check's runbook URL, else the rollout's" }),
    distribution: DistributionView.optional().meta({
      description:
        'aggregate: distribution: each cohort’s share at or below every boundary, each difference’s interval, and where they differ most',
    }),
  })
  .meta({ id: 'CheckView' });
export type CheckView = z.infer<typeof CheckView>;

export const RolloutSummary = z
  .object({
    name: z.string(),
    flag: z.string(),
    phase: Phase,
    wave: z.object({ index: z.number(), percent: z.number().nullable(), of: z.number() }),
    specVersion: z.number(),
    updatedAt: z.number(),
    mode: z.enum(['enforce', 'shadow']).meta({
      description: 'shadow: every decision is recorded and marked shadow; no rollback or advance acts',
    }),
  })
  .meta({ id: 'RolloutSummary' });
export type RolloutSummary = z.infer<typeof RolloutSummary>;

export const RolloutView = RolloutSummary.extend({
  latestVersion: z.number(),
  approval: z.enum(['manual', 'auto']),
  waveStartedAt: z.number().nullable(),
  checkpointAt: z.number().nullable().meta({ description: 'When the bake ends (epoch ms), if baking' }),
  paused: z.object({ from: Phase, at: z.number(), cause: z.string() }).nullable(),
  checks: z.array(CheckView),
  owner: z.string().nullable().meta({ description: 'Who is paged for this rollout (spec owner)' }),
  runbook: z.string().nullable().meta({ description: "The rollout's runbook URL (spec runbook)" }),
  planUrl: z.string().meta({
    description: 'The wave planner for the spec this rollout runs by; add ?traffic=<requests per minute>',
    example: '/api/v1/rollouts/checkout/plan',
  }),
}).meta({ id: 'RolloutView' });
export type RolloutView = z.infer<typeof RolloutView>;

function metricText(check: Check): string {
  const metric = check.metric;
  if (metric.kind === 'ratio') return `${metric.numerator} / ${metric.denominator}`;
  if (metric.kind === 'promql') return `promql: ${metric.query}`;
  return metric.name;
}

function windowText(check: Check): string {
  return check.window === 'wave' ? 'wave' : check.window.text;
}

export function summaryOf(spec: StoredSpec, state: StoredState): RolloutSummary {
  const s = state.state;
  return {
    name: s.spec.metadata.name,
    flag: s.spec.spec.flag,
    phase: s.phase,
    wave: {
      index: s.wave,
      percent: s.spec.spec.waves[s.wave - 1]?.percent ?? null,
      of: s.spec.spec.waves.length,
    },
    specVersion: spec.version,
    updatedAt: state.updatedAt,
    mode: s.spec.spec.mode ?? 'enforce',
  };
}

/** One check's line from its latest evidence (or its limit alone, before any evaluation). */
export function checkView(
  check: Check,
  percent: number,
  evidence: CheckEvidence | null,
  state: string,
): CheckView {
  const limit = appliedLimit(check, percent);
  const base = {
    name: check.name,
    role: check.kind === 'guardrail' ? ('guardrail' as const) : ('criterion' as const),
    metric: metricText(check),
    compare: check.compare,
    allowed: allowedAsWritten(limit.allowed) as CheckView['allowed'],
    limitSource: limit.source,
    state,
    window: windowText(check),
    mode: check.mode ?? 'enforce',
    owner: check.owner ?? null,
    runbook: check.runbook ?? null,
  };
  if (evidence === null) {
    return {
      ...base,
      value: null,
      interval: null,
      samples: { treatment: 0, reference: 0 },
      explanation: null,
    };
  }
  const reason = webhookReason(evidence);
  return {
    ...base,
    value: reason.value,
    interval: reason.interval,
    samples: { treatment: reason.samples.treatment, reference: reason.samples.control },
    ...(evidence.consecutive === undefined ? {} : { consecutive: { ...evidence.consecutive } }),
    ...(evidence.judgedBy === undefined ? {} : { judgedBy: evidence.judgedBy }),
    explanation: evidence.explanation,
    ...(evidence.distribution === undefined
      ? {}
      : { distribution: { ...evidence.distribution, points: [...evidence.distribution.points] } }),
  };
}

/**
 * A rollout as its page shows it: phase, wave, and each check against this wave's limit — guardrails from
 * their latest evaluation, success criteria from the latest checkpoint of this wave.
 */
export function rolloutView(
  spec: StoredSpec,
  latestVersion: number,
  state: StoredState,
  decisions: readonly Decision[],
): RolloutView {
  const s = state.state;
  const percent = s.spec.spec.waves[Math.max(0, s.wave - 1)]?.percent ?? 0;
  const checkpoint = decisions.find((d) => d.kind === 'verdict' && d.wave?.index === s.wave);
  const guardrails = s.spec.spec.guardrails.map((g) => {
    const current = s.guardrails[g.name];
    return checkView(g, percent, current?.evidence ?? null, current?.outcome ?? 'not-evaluated');
  });
  const criteria = s.spec.spec.successCriteria.map((c) => {
    const evidence = checkpoint?.checks.find((e) => e.check === c.name && e.role === 'criterion') ?? null;
    return checkView(c, percent, evidence, evidence?.outcome ?? 'not-evaluated');
  });
  return {
    ...summaryOf(spec, state),
    latestVersion,
    approval: s.spec.spec.approval,
    waveStartedAt: s.history.at(-1)?.startedAt ?? null,
    checkpointAt: s.deadline,
    paused: s.paused === null ? null : { from: s.paused.from, at: s.paused.at, cause: s.paused.cause },
    checks: [...guardrails, ...criteria],
    owner: s.spec.spec.owner ?? null,
    runbook: s.spec.spec.runbook ?? null,
    planUrl: `/api/v1/rollouts/${encodeURIComponent(s.spec.metadata.name)}/plan`,
  };
}
