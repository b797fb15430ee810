import type { WebhookEvent, WebhookReason } from '@rollout-guard/shared/webhooks';

// Words for people (Slack, PagerDuty, Alertmanager): which check, what value, what limit, which
// wave, and the link to the evidence.

export function waveText(wave: WebhookEvent['data']['wave']): string {
  return wave === null ? 'before wave 1' : `wave ${wave.index} (${wave.percent}%)`;
}

/** "in wave 2 (50%)", or "before wave 1". */
function during(wave: WebhookEvent['data']['wave']): string {
  return wave === null ? waveText(wave) : `in ${waveText(wave)}`;
}

/** A shadow decision says so first: nothing acted, and a reader must not think it did. */
export function headline(event: WebhookEvent): string {
  return shadowMarked(event, actionHeadline(event));
}

function shadowMarked(event: WebhookEvent, text: string): string {
  return event.data.shadow === true ? `[shadow, nothing acted] ${text}` : text;
}

/**
 * One alert's title: the check's rendered `summary` when the spec declares one (still marked when shadow),
 * else the headline and the check's numbers.
 */
export function alertTitle(event: WebhookEvent, reason: WebhookReason | undefined): string {
  if (reason?.summary !== undefined) return shadowMarked(event, reason.summary);
  return reason === undefined ? headline(event) : `${headline(event)}: ${reasonText(reason)}`;
}

/** Who owns an alert and what to read: its check's (which the spec resolved from the rollout's), else the rollout's. */
export function oncallOf(
  event: WebhookEvent,
  reason: WebhookReason | undefined,
): { owner?: string; runbook?: string } {
  const owner = reason?.owner ?? event.data.owner;
  const runbook = reason?.runbook ?? event.data.runbook;
  return { ...(owner !== undefined && { owner }), ...(runbook !== undefined && { runbook }) };
}

function actionHeadline(event: WebhookEvent): string {
  const { rollout, flag, wave } = event.data;
  switch (event.type) {
    case 'rollout.rollback':
      return `Rolled back ${flag} (rollout ${rollout}) ${during(wave)}`;
    case 'rollout.verdict':
      return `${verdictWord[event.data.verdict]} for ${rollout} at the end of ${waveText(wave)}`;
    case 'rollout.advance':
      return `${rollout} advanced: ${flag} now at ${event.data.wave.percent}% (wave ${event.data.wave.index})`;
    case 'rollout.alert':
      return `Alert on ${rollout} ${during(wave)}`;
    case 'rollout.paused':
      return `${rollout} paused ${during(wave)}`;
    case 'rollout.completed':
      return `${rollout} completed: ${flag} released to 100%`;
    case 'rollout.resolved': {
      const checks = event.data.reasons.map((r) => r.check).join(', ');
      return event.data.resolves === 'rollout'
        ? `Resolved: ${rollout}'s alerts are over ${during(wave)}`
        : `Resolved: ${checks} back within limits on ${rollout} ${during(wave)}`;
    }
  }
}

const verdictWord = { go: 'GO', 'no-go': 'NO-GO', inconclusive: 'Inconclusive' } as const;

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

export function allowedText(allowed: WebhookReason['allowed']): string {
  const parts: string[] = [];
  if (allowed.min !== undefined) parts.push(`min ${allowed.min}`);
  if (allowed.max !== undefined) parts.push(`max ${allowed.max}`);
  return parts.join(', ');
}

/**
 * `compliance-errors: the whole interval [0.036, 0.046] lies above max 0.03 (5120 treatment / 4980 control,
 * window 1h)`; without an explanation (older decisions) `compliance-errors: 0.041 [0.036, 0.046], allowed max 0.03 (…)`.
 */
export function reasonText(reason: WebhookReason): string {
  const counts = `(${reason.samples.treatment} treatment / ${reason.samples.control} control, window ${reason.window})`;
  if (reason.explanation !== undefined) return `${reason.check}: ${reason.explanation} ${counts}`;
  const value = reason.value === null ? 'no data' : number(reason.value);
  const interval =
    reason.interval === null ? '' : ` [${number(reason.interval[0])}, ${number(reason.interval[1])}]`;
  const byValue = reason.judgedBy === 'value' ? ' (judged by value)' : '';
  return `${reason.check}: ${value}${interval}${byValue}, allowed ${allowedText(reason.allowed)} ${counts}`;
}

/** Headline, the decision's own sentence, and one line per check. */
export function plainSummary(event: WebhookEvent): string {
  const lines = [headline(event)];
  if (event.data.summary !== undefined) lines.push(event.data.summary);
  for (const reason of event.data.reasons) lines.push(reasonText(reason));
  return lines.join('\n');
}

/**
 * What an on-call alert is about, one per subject: each check the event names, the checkpoint of a no-go,
 * or the rollout as a whole (an operator's pause or rollback, a delivery that gave up). Alerting formats
 * key their alerts by rollout and subject so that `rollout.resolved` finds them again.
 */
export function alertSubjects(event: WebhookEvent): { subject: string; reason?: WebhookReason }[] {
  if (event.data.reasons.length > 0 && event.type !== 'rollout.verdict') {
    return event.data.reasons.map((reason) => ({ subject: reason.check, reason }));
  }
  return [{ subject: event.type === 'rollout.verdict' ? 'checkpoint' : 'rollout' }];
}
