import { createHash } from 'node:crypto';
import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { type DeliveryRequest, jsonHeaders, type RequestBuilder, sendEach, userAgent } from '../request.ts';
import { alertSubjects, alertTitle, oncallOf, plainSummary } from '../summary.ts';
import type { PagerDutyTarget } from '../targets.ts';

// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and
// …/resolve-events/; our schema of it: ../vendor-apis/pagerduty-events-v2.schema.json): POST
// https://events.pagerduty.com/v2/enqueue, one event per request, with `routing_key`, `event_action`
// (`trigger` | `resolve`), `dedup_key` (≤ 255 characters) and, for a trigger, `payload {summary
// (≤ 1024 characters), source, severity, timestamp, component, group, class, custom_details}`, `links`,
// `client`, `client_url`. It answers 202 with the dedup_key, 400 for an invalid event, 429 when
// throttled (retried with backoff).
//
// An alert is keyed by rollout and check: `rollout-guard/<rollout>/<check>` for each check an event
// names (one PagerDuty event per check), `…/checkpoint` for a no-go verdict, `…/rollout` for what no check
// raised (an operator's pause or rollback, a delivery that gave up). A retry sends the same keys, so
// PagerDuty deduplicates it, and `rollout.resolved` resolves exactly the keys its triggers opened.

type Severity = 'critical' | 'error' | 'warning' | 'info';

export const PAGERDUTY_SUMMARY_MAX = 1024;
export const PAGERDUTY_DEDUP_KEY_MAX = 255;

/** What pages on-call, and how loudly; other events skip this format (nothing for on-call to do). */
export function pagerDutySeverity(event: WebhookEvent): Severity | undefined {
  switch (event.type) {
    case 'rollout.rollback':
      return 'critical';
    case 'rollout.alert':
      return 'error';
    case 'rollout.paused':
      return 'warning';
    case 'rollout.verdict':
      return event.data.verdict === 'no-go' ? 'warning' : undefined;
    default:
      return undefined;
  }
}

/** The dedup_key of one rollout's alert about `subject` (a check, `checkpoint` or `rollout`). */
export function pagerDutyDedupKey(rollout: string, subject: string): string {
  const key = `rollout-guard/${rollout}/${subject}`;
  if (key.length <= PAGERDUTY_DEDUP_KEY_MAX) return key;
  // Still stable per rollout and check, within PagerDuty's limit.
  return `rollout-guard/${createHash('sha256').update(key).digest('hex')}`;
}

/** Cut to PagerDuty's limit, saying so. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The events PagerDuty should receive for `event`, without the routing key. */
export function pagerDutyEvents(event: WebhookEvent): Record<string, unknown>[] | undefined {
  const { data } = event;
  if (event.type === 'rollout.resolved') {
    const subjects = event.data.reasons.map((r) => r.check);
    if (event.data.resolves === 'rollout') subjects.push('checkpoint', 'rollout');
    return subjects.map((subject) => ({
      event_action: 'resolve',
      dedup_key: pagerDutyDedupKey(data.rollout, subject),
    }));
  }
  const severity = pagerDutySeverity(event);
  if (severity === undefined) return undefined;
  return alertSubjects(event).map(({ subject, reason }) => {
    const { owner, runbook } = oncallOf(event, reason);
    return {
      event_action: 'trigger',
      dedup_key: pagerDutyDedupKey(data.rollout, subject),
      payload: {
        summary: truncate(alertTitle(event, reason), PAGERDUTY_SUMMARY_MAX),
        source: `rollout-guard/${data.rollout}`,
        severity,
        timestamp: event.timestamp,
        component: data.flag,
        group: data.rollout,
        class: reason === undefined ? event.type : reason.check,
        custom_details: {
          ...(owner !== undefined && { owner }),
          ...(runbook !== undefined && { runbook }),
          decisionId: data.decisionId,
          verdict: data.verdict,
          wave: data.wave,
          specVersion: data.specVersion,
          details: plainSummary(event),
          reasons: data.reasons,
        },
      },
      // The runbook first: PagerDuty shows links in order, and it is what on-call opens first.
      links: [
        ...(runbook === undefined ? [] : [{ href: runbook, text: 'Runbook' }]),
        { href: data.evidenceUrl, text: 'Evidence' },
      ],
      client: 'rollout-guard',
      client_url: data.evidenceUrl,
    };
  });
}

export const buildPagerDuty: RequestBuilder<PagerDutyTarget> = function buildPagerDuty(event, target, ctx) {
  const events = pagerDutyEvents(event);
  if (events === undefined || events.length === 0) {
    return {
      skipped: `pagerduty pages on rollbacks, alerts, pauses and no-go verdicts and resolves them, not on ${event.type} ${event.data.verdict}`,
    };
  }
  const routingKey = ctx.resolveSecret(target.routingKey, `${ctx.path}.routingKey`);
  const requests: DeliveryRequest[] = events.map((body) => ({
    method: 'POST',
    url: target.url,
    headers: { ...jsonHeaders, 'user-agent': userAgent },
    body: JSON.stringify({ routing_key: routingKey, ...body }),
    redact: [routingKey],
  }));
  return { exchange: (send) => sendEach(send, requests) };
};
