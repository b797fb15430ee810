import { DeliveryConfigError } from '../delivery-error.ts';
import { jsonHeaders, type RequestBuilder, userAgent } from '../request.ts';
import type { FlagsmithTarget } from '../targets.ts';

// Flagsmith Admin API, "Updating Flags" (https://docs.flagsmith.com/integrating-with-flagsmith/flagsmith-api-overview/admin-api/updating-flags):
// POST /api/experiments/environments/{environment_key}/update-flag-v1/ with
// `Authorization: Api-Key <token>`; features are named, no internal ids to look up; 204 on success.
// We chose it over the older feature-state endpoints because those need the feature state's id,
// which would take a second request per delivery. The request schema we follow is
// vendor-apis/flagsmith-update-flag-v1.schema.json.
// - rollback: `{feature: {name}, enabled: false}`: the flag is off in the environment, its value kept.
// - advance: `{feature: {name}, multivariate_options: [{id, percentage_allocation, value?}]}`: the
//   treatment option serves the wave's percent, everyone else the environment's default value (the
//   control). Flagsmith reads the list as the feature's whole set of options: a feature for a rollout has
//   one. An option listed by id keeps its value unless `value` is sent; the spec's `variant.value`, when
//   given, is sent so that the option serves exactly the treatment variant the metrics are cut by.
// The spec's `url` is the Admin API base (…/api/v1); this endpoint lives beside it under /api/experiments.

function apiRoot(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/** Flagsmith's typed value: its type and the value as a string. */
export function flagsmithValue(value: string | number | boolean) {
  const type = typeof value === 'number' ? 'integer' : typeof value === 'boolean' ? 'boolean' : 'string';
  return { type, value: String(value) };
}

export const buildFlagsmith: RequestBuilder<FlagsmithTarget> = function buildFlagsmith(event, target, ctx) {
  if (event.type !== 'rollout.rollback' && event.type !== 'rollout.advance') {
    return { skipped: `flagsmith acts on rollback and advance only, not ${event.type}` };
  }
  const token = ctx.resolveSecret(target.token, `${ctx.path}.token`);
  const url = `${apiRoot(target.url)}/api/experiments/environments/${encodeURIComponent(target.environment)}/update-flag-v1/`;
  const feature = { name: event.data.flag };
  let body: Record<string, unknown>;
  if (event.type === 'rollout.rollback') {
    body = { feature, enabled: false };
  } else {
    if (target.variant === undefined) {
      throw new DeliveryConfigError(
        `${ctx.path}.variant: a Flagsmith advance sets the percentage of one multivariate option; give { optionId } of the option serving the treatment`,
      );
    }
    const { optionId, value } = target.variant;
    body = {
      feature,
      multivariate_options: [
        {
          id: optionId,
          percentage_allocation: event.data.wave.percent,
          ...(value !== undefined && { value: flagsmithValue(value) }),
        },
      ],
    };
  }
  return {
    method: 'POST',
    url,
    headers: { authorization: `Api-Key ${token}`, ...jsonHeaders, 'user-agent': userAgent },
    body: JSON.stringify(body),
    redact: [token],
  };
};
