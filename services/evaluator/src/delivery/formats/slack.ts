import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
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

export function slackMessage(event: WebhookEvent): SlackMessage {
  const title = headline(event);
  const reasons = event.data.reasons.slice(0, maxReasons).map((r) => section(`• ${reasonText(r)}`));
  const more = event.data.reasons.length - maxReasons;
  const context: ContextBlock = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `<${event.data.evidenceUrl}|Evidence> · flag \`${escapeMrkdwn(fit(event.data.flag, 200))}\` · spec v${event.data.specVersion} · decision ${escapeMrkdwn(event.data.decisionId)}`,
      },
    ],
  };
  const blocks: KnownBlock[] = [
    section(title, true),
    ...(event.data.summary === undefined ? [] : [section(event.data.summary)]),
    ...reasons,
    ...(more > 0 ? [section(`…and ${more} more checks`)] : []),
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
