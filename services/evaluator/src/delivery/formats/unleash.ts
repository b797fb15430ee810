import { DeliveryConfigError } from '../delivery-error.ts';
import { joinUrl, jsonHeaders, type RequestBuilder, userAgent } from '../request.ts';
import type { UnleashTarget } from '../targets.ts';

// Unleash Admin API (https://docs.getunleash.io/reference/api/unleash/admin):
// - rollback: "Disable a feature flag" — POST /api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/off
//   (https://docs.getunleash.io/api/toggle-feature-environment-off), no body.
// - advance: "Change specific properties of a strategy" — PATCH
//   /api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies/{strategyId}
//   with a JSON Patch (RFC 6902) replacing `/parameters/rollout`, the flexibleRollout percentage (a
//   string, "50"). A patch keeps the strategy's stickiness, groupId and constraints as they are.
// Admin and personal access tokens go in `Authorization` as they are, without a scheme.

export const buildUnleash: RequestBuilder<UnleashTarget> = function buildUnleash(event, target, ctx) {
  if (event.type !== 'rollout.rollback' && event.type !== 'rollout.advance') {
    return { skipped: `unleash acts on rollback and advance only, not ${event.type}` };
  }
  const token = ctx.resolveSecret(target.token, `${ctx.path}.token`);
  const feature = `${joinUrl(target.url, '/api/admin/projects')}/${encodeURIComponent(target.project)}/features/${encodeURIComponent(event.data.flag)}/environments/${encodeURIComponent(target.environment)}`;
  const headers = { authorization: token, 'user-agent': userAgent };
  if (event.type === 'rollout.rollback') {
    return { method: 'POST', url: `${feature}/off`, headers, body: null, redact: [token] };
  }
  if (target.strategyId === undefined) {
    throw new DeliveryConfigError(
      `${ctx.path}.strategyId: an Unleash advance sets the rollout of one flexibleRollout strategy; give its id (GET ${feature}/strategies lists them)`,
    );
  }
  const patch = [{ op: 'replace', path: '/parameters/rollout', value: String(event.data.wave.percent) }];
  return {
    method: 'PATCH',
    url: `${feature}/strategies/${encodeURIComponent(target.strategyId)}`,
    headers: { ...headers, ...jsonHeaders },
    body: JSON.stringify(patch),
    redact: [token],
  };
};
