import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { jsonHeaders, type RequestBuilder, userAgent } from '../request.ts';
import { headline, plainSummary } from '../summary.ts';
import type { PagerDutyTarget } from '../targets.ts';

// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
// POST https://events.pagerduty.com/v2/enqueue with `routing_key`, `event_action: trigger`,
// `dedup_key` and `payload {summary (≤ 1024 chars), source, severity, timestamp, component, group,
// class, custom_details}`, plus `links`, `client` and `client_url`. It answers 202 with the
// dedup_key; the dedup_key is the decision id, so retries and redeliveries raise one alert.

type Severity = 'critical' | 'error' | 'warning' | 'info';

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

export const buildPagerDuty: RequestBuilder<PagerDutyTarget> = function buildPagerDuty(event, target, ctx) {
  const severity = pagerDutySeverity(event);
  if (severity === undefined) {
    return {
      skipped: `pagerduty pages on rollbacks, alerts, pauses and no-go verdicts, not on ${event.type} ${event.data.verdict}`,
    };
  }
  const routingKey = ctx.resolveSecret(target.routingKey, `${ctx.path}.routingKey`);
  const { data } = event;
  const body = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: data.decisionId,
    payload: {
      summary: headline(event).slice(0, 1024),
      source: `rollout-guard/${data.rollout}`,
      severity,
      timestamp: event.timestamp,
      component: data.flag,
      group: data.rollout,
      class: event.type,
      custom_details: {
        verdict: data.verdict,
        wave: data.wave,
        specVersion: data.specVersion,
        details: plainSummary(event),
        reasons: data.reasons,
      },
    },
    links: [{ href: data.evidenceUrl, text: 'Evidence' }],
    client: 'rollout-guard',
    client_url: data.evidenceUrl,
  };
  return {
    method: 'POST',
    url: target.url,
    headers: { ...jsonHeaders, 'user-agent': userAgent },
    body: JSON.stringify(body),
    redact: [routingKey],
  };
};
