import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { jsonHeaders, type RequestBuilder, userAgent } from '../request.ts';
import { headline, reasonText } from '../summary.ts';
import type { SlackTarget } from '../targets.ts';

// Slack incoming webhooks (https://api.slack.com/messaging/webhooks, "Sending messages using
// incoming webhooks"): POST JSON to the webhook URL with `text` (the notification fallback) and
// optional Block Kit `blocks`. Slack answers 200 "ok"; errors are 400 invalid_payload, 403, 404
// channel_not_found / no_service, and 410 channel_is_archived, which stops delivery
// (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks).

/** Section text is limited to 3000 characters and a message to 50 blocks. */
const maxReasons = 20;

/** Slack's mrkdwn treats &, < and > as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function section(text: string) {
  return { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } };
}

export function slackMessage(event: WebhookEvent) {
  const title = headline(event);
  const reasons = event.data.reasons
    .slice(0, maxReasons)
    .map((r) => section(`• ${escapeMrkdwn(reasonText(r))}`));
  const more = event.data.reasons.length - maxReasons;
  return {
    text: `${title}. Evidence: ${event.data.evidenceUrl}`,
    blocks: [
      section(`*${escapeMrkdwn(title)}*`),
      ...(event.data.summary === undefined ? [] : [section(escapeMrkdwn(event.data.summary))]),
      ...reasons,
      ...(more > 0 ? [section(`…and ${more} more checks`)] : []),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `<${event.data.evidenceUrl}|Evidence> · flag \`${escapeMrkdwn(event.data.flag)}\` · spec v${event.data.specVersion} · decision ${escapeMrkdwn(event.data.decisionId)}`,
          },
        ],
      },
    ],
  };
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
