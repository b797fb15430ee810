import type { WebhookEvent, WebhookReason } from '@rollout-guard/shared/webhooks';
import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import { jsonHeaders, type RequestBuilder, userAgent } from '../request.ts';
import { headline, reasonText } from '../summary.ts';
import type { SlackTarget } from '../targets.ts';
import { fit, SLACK_LIMITS, type SlackMessage } from './slack-limits.ts';

// Slack incoming webhooks (https://api.slack.com/messaging/webhooks, "Sending messages using
// incoming webhooks"): POST JSON to the webhook URL with `text` (the notification fallback) and
// optional Block Kit `blocks`. Slack answers 200 "ok"; errors are 400 invalid_payload, 403, 404
// channel_not_found / no_service, and 410 channel_is_archived, which stops delivery
// (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks).

/** Reasons shown one per section; the rest are counted, so a message stays within 50 blocks. */
const maxReasons = 20;
/** Runbook buttons: the rollout's and those of the checks shown, distinct, at most this many. */
const maxRunbooks = 5;

/** Slack's mrkdwn treats &, < and > as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** `text` escaped for mrkdwn in at most `max` characters, cut before escaping so no entity is split. */
export function fittedMrkdwn(text: string, max: number): string {
  let budget = max;
  let escaped = escapeMrkdwn(fit(text, budget));
  while (escaped.length > max && budget > 1) {
    // An escaped character takes at most 5 (`&amp;`): drop at least enough raw ones to cover the excess.
    budget = Math.max(1, Math.min(text.length, budget) - Math.ceil((escaped.length - max) / 5));
    escaped = escapeMrkdwn(fit(text, budget));
  }
  return escaped;
}

function section(text: string, bold = false): SectionBlock {
  const max = SLACK_LIMITS.sectionText - (bold ? 2 : 0);
  const body = fittedMrkdwn(text, max);
  return { type: 'section', text: { type: 'mrkdwn', text: bold ? `*${body}*` : body } };
}

/** Link buttons to the runbooks on-call should open: the rollout's first, then each shown check's own. */
function runbookButtons(event: WebhookEvent, shown: readonly WebhookReason[]): ActionsBlock | undefined {
  const seen = new Set<string>();
  const buttons: Button[] = [];
  const add = (url: string | undefined, label: string) => {
    if (url === undefined || seen.has(url) || buttons.length >= maxRunbooks) return;
    seen.add(url);
    buttons.push({
      type: 'button',
      text: { type: 'plain_text', text: fit(label, SLACK_LIMITS.buttonText) },
      url,
      action_id: `runbook-${buttons.length}`,
    });
  };
  add(event.data.runbook, 'Runbook');
  for (const reason of shown) add(reason.runbook, `Runbook: ${reason.check}`);
  return buttons.length === 0 ? undefined : { type: 'actions', elements: buttons };
}

/** The owners to page: the rollout's, then each shown check's own, distinct. */
function ownersText(event: WebhookEvent, shown: readonly WebhookReason[]): string | undefined {
  const owners = [
    ...new Set([event.data.owner, ...shown.map((r) => r.owner)].filter((o) => o !== undefined)),
  ];
  return owners.length === 0 ? undefined : `Owner: ${owners.map((o) => `*${escapeMrkdwn(o)}*`).join(', ')}`;
}

function reasonSection(reason: WebhookReason): SectionBlock {
  return section(
    reason.summary === undefined ? `• ${reasonText(reason)}` : `• ${reason.summary}\n${reasonText(reason)}`,
  );
}

export function slackMessage(event: WebhookEvent): SlackMessage {
  const title = headline(event);
  const shown = event.data.reasons.slice(0, maxReasons);
  const more = event.data.reasons.length - maxReasons;
  const owners = ownersText(event, shown);
  const context: ContextBlock = {
    type: 'context',
    elements: [
      ...(owners === undefined
        ? []
        : [{ type: 'mrkdwn' as const, text: fit(owners, SLACK_LIMITS.sectionText) }]),
      {
        type: 'mrkdwn',
        text: `<${event.data.evidenceUrl}|Evidence> · flag \`${escapeMrkdwn(fit(event.data.flag, 200))}\` · spec v${event.data.specVersion} · decision ${escapeMrkdwn(event.data.decisionId)}`,
      },
    ],
  };
  const runbooks = runbookButtons(event, shown);
  const blocks: KnownBlock[] = [
    section(title, true),
    ...(event.data.summary === undefined ? [] : [section(event.data.summary)]),
    ...shown.map(reasonSection),
    ...(more > 0 ? [section(`…and ${more} more checks`)] : []),
    ...(runbooks === undefined ? [] : [runbooks]),
    context,
  ];
  return { text: fit(`${title}. Evidence: ${event.data.evidenceUrl}`, 4000), blocks };
}

/** Every event type is posted: a channel is where people follow the rollout. */
export const buildSlack: RequestBuilder<SlackTarget> = function buildSlack(event, target) {
  // The URL is the credential: keep its path out of the delivery log.
  const path = new URL(target.url).pathname;
  return {
    method: 'POST',
    url: target.url,
    headers: { ...jsonHeaders, 'user-agent': userAgent },
    body: JSON.stringify(slackMessage(event)),
    redact: [target.url, path],
  };
};
