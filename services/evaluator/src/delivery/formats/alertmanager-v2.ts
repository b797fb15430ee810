import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { z } from 'zod';
import {
  type DeliveryRequest,
  joinUrl,
  jsonHeaders,
  type RequestBuilder,
  type SendStep,
  userAgent,
} from '../request.ts';
import type { AttemptResult } from '../send.ts';
import { alertSubjects, alertTitle, oncallOf, plainSummary } from '../summary.ts';
import type { AlertmanagerV2Target } from '../targets.ts';
import { alertnames, isProblem } from './alertmanager.ts';
import { extraHeaders } from './standard.ts';

// Alertmanager's API v2 (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml):
// `POST /api/v2/alerts` takes a list of `postableAlert {labels, annotations, startsAt, endsAt,
// generatorURL}` and answers 200; `GET /api/v2/alerts?filter=label="value"` lists the alerts it holds.
// Posted this way an alert goes through the operator's own routes, silences and inhibitions.
//
// One alert per check an event names (labels rollout, check, wave, flag, severity; `check` is
// `checkpoint` for a no-go and `rollout` without checks). Alertmanager ends an alert that nobody posts
// again at its endsAt; rollout-guard posts once, so a firing alert gets an end a week ahead and
// `rollout.resolved` ends it sooner: it reads the rollout's alerts and posts the matching ones again with
// endsAt = the resolution's time, whatever their wave or severity.

/** How long a firing alert lasts if nothing resolves it. */
export const FIRING_FOR_MS = 7 * 24 * 60 * 60 * 1000;

const Alert = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  startsAt: z.string(),
  generatorURL: z.string().optional(),
});

/** The alerts Alertmanager should hold for a problem event: one per check. */
export function postableAlerts(event: WebhookEvent) {
  if (!isProblem(event)) return undefined;
  const { data } = event;
  const endsAt = new Date(Date.parse(event.timestamp) + FIRING_FOR_MS).toISOString();
  return alertSubjects(event).map(({ subject, reason }) => {
    const { owner, runbook } = oncallOf(event, reason);
    return {
      labels: {
        alertname: alertnames[event.type],
        rollout: data.rollout,
        check: subject,
        wave: String(data.wave?.index ?? 0),
        flag: data.flag,
        severity: event.type === 'rollout.rollback' ? 'critical' : 'warning',
        // A label, so that Alertmanager's routes can send each owner's alerts to its receiver.
        ...(owner !== undefined && { owner }),
      },
      annotations: {
        summary: alertTitle(event, reason),
        description: plainSummary(event),
        ...(runbook !== undefined && { runbook_url: runbook }),
        evidence_url: data.evidenceUrl,
        decision_id: data.decisionId,
      },
      startsAt: event.timestamp,
      endsAt,
      generatorURL: data.evidenceUrl,
    };
  });
}

export const buildAlertmanagerV2: RequestBuilder<AlertmanagerV2Target> = function buildAlertmanagerV2(
  event,
  target,
  ctx,
) {
  const extra = extraHeaders(target.headers, ctx);
  const headers = { ...extra.headers, 'user-agent': userAgent };
  const post = (alerts: unknown[]): DeliveryRequest => ({
    method: 'POST',
    url: joinUrl(target.url, '/api/v2/alerts'),
    headers: { ...headers, ...jsonHeaders },
    body: JSON.stringify(alerts),
    redact: extra.redact,
  });
  if (event.type === 'rollout.resolved') {
    return {
      exchange: (send) => resolveAlerts(event, target, { headers, redact: extra.redact }, post, send),
    };
  }
  const alerts = postableAlerts(event);
  if (alerts === undefined) {
    return {
      skipped: `alertmanager-v2 carries rollbacks, alerts, pauses and no-go verdicts and resolves them, not ${event.type} ${event.data.verdict}`,
    };
  }
  return post(alerts);
};

async function resolveAlerts(
  event: Extract<WebhookEvent, { type: 'rollout.resolved' }>,
  target: AlertmanagerV2Target,
  request: { headers: Record<string, string>; redact: string[] },
  post: (alerts: unknown[]) => DeliveryRequest,
  send: SendStep,
): Promise<AttemptResult> {
  const query = new URLSearchParams({ active: 'true', silenced: 'true', inhibited: 'true' });
  query.append('filter', `rollout="${event.data.rollout}"`);
  const list = await send(
    {
      method: 'GET',
      url: `${joinUrl(target.url, '/api/v2/alerts')}?${query}`,
      headers: request.headers,
      body: null,
      redact: request.redact,
    },
    { excerptBytes: 4 << 20 },
  );
  if (list.outcome !== 'delivered')
    return { ...list, error: `listing the rollout's alerts: ${list.error ?? ''}` };
  let held: z.infer<typeof Alert>[];
  try {
    held = z.array(Alert).parse(JSON.parse(list.responseExcerpt));
  } catch {
    return {
      ...list,
      outcome: 'retry',
      error: `GET /api/v2/alerts did not answer a list of alerts; is ${target.url} Alertmanager?`,
    };
  }
  const checks = new Set(event.data.reasons.map((r) => r.check));
  const ending = held
    .filter((a) => event.data.resolves === 'rollout' || checks.has(a.labels.check ?? ''))
    .map((a) => ({ ...a, endsAt: event.timestamp }));
  if (ending.length === 0) return { ...list, responseExcerpt: 'no matching alert is active' };
  const ended = await send(post(ending));
  return { ...ended, latencyMs: ended.latencyMs + list.latencyMs };
}
