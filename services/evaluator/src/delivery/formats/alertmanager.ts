import { createHash } from 'node:crypto';
import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { jsonHeaders, type RequestBuilder, userAgent } from '../request.ts';
import { alertSubjects, alertTitle, headline, oncallOf, plainSummary } from '../summary.ts';
import type { AlertmanagerTarget } from '../targets.ts';
import { extraHeaders } from './standard.ts';

// Alertmanager's webhook payload (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config):
// `{version: "4", groupKey, truncatedAlerts, status, receiver, groupLabels, commonLabels,
// commonAnnotations, externalURL, alerts: [{status, labels, annotations, startsAt, endsAt,
// generatorURL, fingerprint}]}`, POSTed as JSON, so that anything that reads Alertmanager's
// webhooks (PagerDuty/Opsgenie bridges, ChatOps bots, alert routers) can read ours.

export const alertnames = {
  'rollout.rollback': 'RolloutRolledBack',
  'rollout.verdict': 'RolloutNoGo',
  'rollout.alert': 'RolloutAlert',
  'rollout.paused': 'RolloutPaused',
} as const;

/** Alertmanager carries alerts: only events that are a problem are sent, all as `firing`. */
export function isProblem(
  event: WebhookEvent,
): event is Extract<WebhookEvent, { type: keyof typeof alertnames }> {
  if (event.type === 'rollout.verdict') return event.data.verdict === 'no-go';
  return event.type in alertnames;
}

/** Like Alertmanager's own: 16 hex digits derived from the sorted label set. */
export function fingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((name) => `${name}\xff${labels[name]}\xff`)
    .join('');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function alertmanagerPayload(event: WebhookEvent, receiver: string) {
  if (!isProblem(event)) return undefined;
  const { data } = event;
  // One alert for the whole event: on-call fields of its first subject (a rollback's first breached check).
  const reason = alertSubjects(event)[0]?.reason;
  const { owner, runbook } = oncallOf(event, reason);
  const labels: Record<string, string> = {
    alertname: alertnames[event.type],
    rollout: data.rollout,
    flag: data.flag,
    severity: event.type === 'rollout.rollback' ? 'critical' : 'warning',
    decision_id: data.decisionId,
    ...(data.wave === null ? {} : { wave: String(data.wave.index), percent: String(data.wave.percent) }),
    ...(owner !== undefined && { owner }),
  };
  const annotations = {
    summary: reason?.summary === undefined ? headline(event) : alertTitle(event, reason),
    description: plainSummary(event),
    ...(runbook !== undefined && { runbook_url: runbook }),
    evidence: data.evidenceUrl,
  };
  const groupLabels = { rollout: data.rollout };
  return {
    version: '4',
    groupKey: `{}:{rollout="${data.rollout}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver,
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: new URL(data.evidenceUrl).origin,
    alerts: [
      {
        status: 'firing',
        labels,
        annotations,
        startsAt: event.timestamp,
        // Alertmanager's "unset" end time for a firing alert.
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: data.evidenceUrl,
        fingerprint: fingerprint(labels),
      },
    ],
  };
}

export const buildAlertmanager: RequestBuilder<AlertmanagerTarget> = function buildAlertmanager(
  event,
  target,
  ctx,
) {
  const payload = alertmanagerPayload(event, 'rollout-guard');
  if (payload === undefined) {
    return {
      skipped: `alertmanager carries rollbacks, alerts, pauses and no-go verdicts, not ${event.type} ${event.data.verdict}`,
    };
  }
  const extra = extraHeaders(target.headers, ctx);
  return {
    method: 'POST',
    url: target.url,
    headers: { ...extra.headers, ...jsonHeaders, 'user-agent': userAgent },
    body: JSON.stringify(payload),
    redact: extra.redact,
  };
};
