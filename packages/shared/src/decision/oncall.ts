import { allChecks, type RolloutSpec, renderSummary } from '@rollout-guard/shared/spec';
import type { Decision } from './decision.ts';
import type { CheckEvidence } from './evidence.ts';
import { comparedQuantity } from './webhook-event.ts';

// Owner, runbook and the rendered summary are written into a decision when it is taken, from the spec in
// force then: every retry of its webhooks, every later page and report shows the same words, whatever the
// spec says by the time they are read.

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

function limitText(allowed: CheckEvidence['allowed']): string {
  const parts: string[] = [];
  if (allowed.min !== undefined) parts.push(`min ${allowed.min}`);
  if (allowed.max !== undefined) parts.push(`max ${allowed.max}`);
  return parts.join(', ');
}

/** The rollout's owner and runbook, for a decision (its checks carry their own). */
export function rolloutOncall(spec: RolloutSpec): Pick<Decision, 'owner' | 'runbook'> {
  const { owner, runbook } = spec.spec;
  return { ...(owner !== undefined && { owner }), ...(runbook !== undefined && { runbook }) };
}

/**
 * `evidence` with its check's owner and runbook and its summary template rendered for `decision`; as it was
 * when the check is no longer in the spec (a running change removed it).
 */
export function withOncall(
  evidence: CheckEvidence,
  spec: RolloutSpec,
  decision: Pick<Decision, 'rollout' | 'flag' | 'wave'>,
): CheckEvidence {
  const check = allChecks(spec).find((c) => c.name === evidence.check);
  if (check === undefined) return evidence;
  const { owner, runbook, summary } = check;
  const { value, interval } = comparedQuantity(evidence);
  return {
    ...evidence,
    ...(owner !== undefined && { owner }),
    ...(runbook !== undefined && { runbook }),
    ...(summary !== undefined && {
      summary: renderSummary(summary, {
        rollout: decision.rollout,
        flag: decision.flag,
        check: evidence.check,
        outcome: evidence.outcome,
        wave: String(decision.wave?.index ?? 0),
        percent: decision.wave === null ? '' : String(decision.wave.percent),
        value: value === null ? 'no data' : number(value),
        interval: interval === null ? 'none' : `[${number(interval[0])}, ${number(interval[1])}]`,
        limit: limitText(evidence.allowed),
        window: evidence.windowSpec,
        owner: owner ?? '',
        runbook: runbook ?? '',
      }),
    }),
  };
}
