import type { WebhookEvent, WebhookReason } from '@rollout-guard/shared/webhooks';
import type { Decision, WebhookType } from './decision.ts';
import type { CheckEvidence } from './evidence.ts';
import { type BoundKind, boundKindsOf } from './limit.ts';

/** Where a decision's evidence can be read: `GET /api/v1/rollouts/{name}/decisions/{id}`. */
export function evidenceUrl(baseUrl: string, decision: Pick<Decision, 'rollout' | 'id'>): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v1/rollouts/${encodeURIComponent(decision.rollout)}/decisions/${encodeURIComponent(decision.id)}`;
}

/**
 * One check's line in a webhook: the compared quantity in the units of its limit — the treatment's value for
 * absolute checks; for baseline/control checks the difference, as a fraction when the limit is a percentage
 * ("+5%" compares with 0.05) — and its interval (null where the aggregate has none), with what it was judged
 * by and the rule that fired in words.
 */
export function webhookReason(evidence: CheckEvidence): WebhookReason {
  const { value, interval } = comparedQuantity(evidence);
  return {
    check: evidence.check,
    value,
    interval,
    allowed: evidence.allowed,
    samples: {
      treatment: evidence.cohorts.treatment?.samples ?? 0,
      control: evidence.cohorts.reference?.samples ?? 0,
    },
    window: evidence.windowSpec,
    ...(evidence.judgedBy !== undefined && { judgedBy: evidence.judgedBy }),
    explanation: evidence.explanation,
    ...(evidence.owner !== undefined && { owner: evidence.owner }),
    ...(evidence.runbook !== undefined && { runbook: evidence.runbook }),
    ...(evidence.summary !== undefined && { summary: evidence.summary }),
    ...widestOf(evidence),
  };
}

/** The compared quantity of a check, in the units of its limit, and its interval (null where it has none). */
export function comparedQuantity(evidence: CheckEvidence): {
  value: number | null;
  interval: [number, number] | null;
} {
  let value: number | null = evidence.cohorts.treatment?.value ?? null;
  let interval: readonly [number, number] | null = evidence.cohorts.treatment?.interval ?? null;
  if (evidence.compare !== 'absolute') {
    const kinds = boundKindsOf(evidence.allowed);
    const kind: BoundKind =
      kinds.includes('absolute') || !kinds.includes('relative') ? 'absolute' : 'relative';
    const difference =
      evidence.difference?.[kind] ?? evidence.difference?.absolute ?? evidence.difference?.relative;
    value = difference?.estimate ?? null;
    // a zero-width stand-in for an aggregate without an interval is no interval
    interval = difference === undefined || difference.noInterval !== undefined ? null : difference.interval;
  }
  return { value, interval: interval === null ? null : [interval[0], interval[1]] };
}

function widestOf(evidence: CheckEvidence): Pick<WebhookReason, 'distribution'> {
  const comparison = evidence.distribution;
  const widest = comparison?.points[comparison.widest];
  if (comparison === undefined || widest === undefined) return {};
  return {
    distribution: {
      boundary: widest.boundary,
      treatment: widest.treatment,
      reference: widest.reference,
      difference: widest.difference,
      interval: [widest.lower, widest.upper],
      boundaries: comparison.points.length,
    },
  };
}

/** Whether a resolution ends the rollout's every alert (it ended or resumed) or only its checks'. */
function resolves(decision: Decision): 'checks' | 'rollout' {
  const { from, to } = decision.phase;
  return to === 'completed' || to === 'aborted' || (from === 'paused' && to !== 'paused')
    ? 'rollout'
    : 'checks';
}

/**
 * The webhook body of PRODUCT.md §3 for a decision effect. Everything in it comes from the stored decision,
 * so every retry of a delivery sends the same bytes.
 */
export function webhookEvent(webhook: WebhookType, decision: Decision, baseUrl: string): WebhookEvent {
  const data = {
    decisionId: decision.id,
    rollout: decision.rollout,
    flag: decision.flag,
    specVersion: decision.specVersion,
    wave: decision.wave,
    reasons: decision.checks.map(webhookReason),
    evidenceUrl: evidenceUrl(baseUrl, decision),
    summary: decision.reason,
    ...(decision.owner !== undefined && { owner: decision.owner }),
    ...(decision.runbook !== undefined && { runbook: decision.runbook }),
    ...(decision.shadow === true && { shadow: true as const }),
  };
  const timestamp = new Date(decision.at).toISOString();
  switch (webhook) {
    case 'rollout.rollback':
      return { type: webhook, timestamp, data: { ...data, verdict: 'rollback' } };
    case 'rollout.verdict': {
      const verdict = decision.outcome;
      if (verdict !== 'go' && verdict !== 'no-go' && verdict !== 'inconclusive') {
        throw new TypeError(
          `decision ${decision.id} is a ${verdict}, not a go / no-go / inconclusive verdict`,
        );
      }
      return { type: webhook, timestamp, data: { ...data, verdict } };
    }
    case 'rollout.advance': {
      const wave = decision.wave;
      if (wave === null) throw new TypeError(`advance decision ${decision.id} names no wave to start`);
      return { type: webhook, timestamp, data: { ...data, wave, verdict: 'advance' } };
    }
    case 'rollout.alert':
      return { type: webhook, timestamp, data: { ...data, verdict: 'alert' } };
    case 'rollout.paused':
      return { type: webhook, timestamp, data: { ...data, verdict: 'paused' } };
    case 'rollout.completed':
      return { type: webhook, timestamp, data: { ...data, verdict: 'completed' } };
    case 'rollout.resolved':
      return {
        type: webhook,
        timestamp,
        data: { ...data, verdict: 'resolved', resolves: resolves(decision) },
      };
  }
}
