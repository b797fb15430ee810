import { jsonHeaders, type RequestBuilder, userAgent } from '../request.ts';
import { standardWebhookHeaders } from '../signing.ts';
import type { StandardTarget } from '../targets.ts';

/**
 * The body of PRODUCT.md §3 as is, signed per Standard Webhooks with `webhook-id` = decision id.
 * Every event type is sent.
 */
export const buildStandard: RequestBuilder<StandardTarget> = function buildStandard(event, target, ctx) {
  const body = JSON.stringify(event);
  const secret =
    target.secret === undefined ? undefined : ctx.resolveSecret(target.secret, `${ctx.path}.secret`);
  return {
    method: 'POST',
    url: target.url,
    headers: {
      ...lowerCase(target.headers),
      ...jsonHeaders,
      'user-agent': userAgent,
      ...standardWebhookHeaders({
        id: event.data.decisionId,
        timestamp: ctx.now,
        body,
        secret,
        field: `${ctx.path}.secret`,
      }),
    },
    body,
    redact: secret === undefined ? [] : [secret],
  };
};

export function lowerCase(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
