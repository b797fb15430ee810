import { DeliveryConfigError } from '../delivery-error.ts';
import { joinUrl, type RequestBuilder, userAgent } from '../request.ts';
import { headline } from '../summary.ts';
import type { LaunchDarklyTarget } from '../targets.ts';

// LaunchDarkly REST API v2, "Update feature flag" with a semantic patch
// (https://launchdarkly.com/docs/api/feature-flags/patch-feature-flag): PATCH
// /api/v2/flags/{projectKey}/{featureFlagKey}, `Content-Type: application/json;
// domain-model=launchdarkly.semanticpatch`, body `{environmentKey, comment, instructions}`.
// - rollback: `{kind: "turnFlagOff"}`, which serves the off variation to everyone.
// - advance: `{kind: "updateFallthroughVariationOrRollout", rolloutWeights}`: the default rule's
//   percentage rollout, weights keyed by variation id in thousandths of a percent (sum 100000).
// The API access token goes in `Authorization` as it is.

export const semanticPatchType = 'application/json; domain-model=launchdarkly.semanticpatch';

export const buildLaunchDarkly: RequestBuilder<LaunchDarklyTarget> = function buildLaunchDarkly(
  event,
  target,
  ctx,
) {
  if (event.type !== 'rollout.rollback' && event.type !== 'rollout.advance') {
    return { skipped: `launchdarkly acts on rollback and advance only, not ${event.type}` };
  }
  const token = ctx.resolveSecret(target.token, `${ctx.path}.token`);
  const url = `${joinUrl(target.url, '/api/v2/flags')}/${encodeURIComponent(target.project)}/${encodeURIComponent(event.data.flag)}`;
  const comment = `rollout-guard: ${headline(event)} (decision ${event.data.decisionId})`;
  let instruction: Record<string, unknown>;
  if (event.type === 'rollout.rollback') {
    instruction = { kind: 'turnFlagOff' };
  } else {
    if (target.variations === undefined) {
      throw new DeliveryConfigError(
        `${ctx.path}.variations: a LaunchDarkly advance sets rollout weights by variation id; give { treatment: "<_id>", control: "<_id>" } from the flag's variations`,
      );
    }
    const treatment = Math.round(event.data.wave.percent * 1000);
    instruction = {
      kind: 'updateFallthroughVariationOrRollout',
      rolloutWeights: {
        [target.variations.treatment]: treatment,
        [target.variations.control]: 100_000 - treatment,
      },
    };
  }
  return {
    method: 'PATCH',
    url,
    headers: { authorization: token, 'content-type': semanticPatchType, 'user-agent': userAgent },
    body: JSON.stringify({ environmentKey: target.environment, comment, instructions: [instruction] }),
    redact: [token],
  };
};
