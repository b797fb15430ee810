import { parseSecret } from '@rollout-guard/shared/spec';
import { type BuildContext, jsonHeaders, type RequestBuilder, userAgent } from '../request.ts';
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
  const extra = extraHeaders(target.headers, ctx);
  return {
    method: 'POST',
    url: target.url,
    headers: {
      ...extra.headers,
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
    redact: [...(secret === undefined ? [] : [secret]), ...extra.redact],
  };
};

/**
 * A target's extra headers, lower-cased, each `env:NAME` value read through the resolver (and so
 * through SPEC_ENV_ALLOWED); the values read are returned to be redacted from what is recorded.
 */
export function extraHeaders(
  headers: Readonly<Record<string, string>>,
  ctx: BuildContext,
): { headers: Record<string, string>; redact: string[] } {
  const redact: string[] = [];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const secret = parseSecret(value);
    if ('env' in secret) {
      out[name.toLowerCase()] = ctx.resolveSecret(secret, `${ctx.path}.headers.${name}`);
      redact.push(out[name.toLowerCase()]!);
    } else {
      out[name.toLowerCase()] = value;
    }
  }
  return { headers: out, redact };
}
