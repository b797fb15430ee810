import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { z } from 'zod';
import { DeliveryConfigError } from '../delivery-error.ts';
import {
  type DeliveryRequest,
  failedStep,
  joinUrl,
  jsonHeaders,
  type RequestBuilder,
  type SendStep,
  userAgent,
} from '../request.ts';
import type { AttemptResult } from '../send.ts';
import type { UnleashTarget } from '../targets.ts';

// Unleash Admin API (https://docs.getunleash.io/reference/api/unleash/admin), as Unleash 7 serves it:
// - read: "Get a feature" — GET /api/admin/projects/{projectId}/features/{featureName}: the flag with
//   each environment's `enabled` and `strategies` (404 NotFoundError when the project has no such flag).
// - rollback: "Disable a feature flag" — POST …/features/{featureName}/environments/{environment}/off.
// - advance: the flag's gradual rollout (`flexibleRollout`) in the environment gets the wave's percent:
//   "Change specific properties of a strategy" — PATCH …/environments/{environment}/strategies/{id}
//   with a JSON Patch replacing `/parameters/rollout` (a string, "50"), which keeps its stickiness,
//   groupId and constraints; or, when the environment has none, "Add a strategy" — POST
//   …/environments/{environment}/strategies. Then "Enable a feature flag" — POST …/on — if the
//   environment is off (after the strategy exists: enabling an environment without strategies makes
//   Unleash add a 100% default one).
// Admin and personal access tokens go in `Authorization` as they are, without a scheme.

const Strategy = z.object({
  id: z.string(),
  name: z.string(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  constraints: z.array(z.unknown()).optional(),
});
const Feature = z.object({
  environments: z.array(z.object({ name: z.string(), enabled: z.boolean(), strategies: z.array(Strategy) })),
});
export type UnleashFeature = z.infer<typeof Feature>;

/** What an advance does to the environment: which strategy gets the percent, and whether to switch it on. */
export type AdvancePlan =
  | { readonly strategy: { readonly patch: string } | 'create'; readonly enable: boolean }
  | { readonly problem: string };

/**
 * The flexibleRollout strategy an advance sets: the one named by `strategyId`, else the environment's only
 * one, else a new one. Several without a `strategyId` is a question only the user can answer.
 */
export function planAdvance(
  feature: UnleashFeature,
  environment: string,
  strategyId: string | undefined,
): AdvancePlan {
  const env = feature.environments.find((e) => e.name === environment);
  if (env === undefined) return { problem: missingEnvironment(feature, environment) };
  const enable = !env.enabled;
  if (strategyId !== undefined) {
    const named = env.strategies.find((s) => s.id === strategyId);
    if (named === undefined) {
      return {
        problem: `strategyId ${strategyId} is not a strategy of the flag in environment ${environment} (it has ${list(env.strategies.map((s) => `${s.name} ${s.id}`))}); remove strategyId to let rollout-guard find or create the gradual rollout`,
      };
    }
    if (named.name !== 'flexibleRollout') {
      return {
        problem: `strategyId ${strategyId} is a ${named.name} strategy; an advance sets the percentage of a flexibleRollout (gradual rollout) strategy`,
      };
    }
    return { strategy: { patch: strategyId }, enable };
  }
  const rollouts = env.strategies.filter((s) => s.name === 'flexibleRollout');
  const [only, ...others] = rollouts;
  if (only === undefined) return { strategy: 'create', enable };
  if (others.length > 0) {
    return {
      problem: `the flag has ${rollouts.length} gradual rollout (flexibleRollout) strategies in environment ${environment} (${list(rollouts.map((s) => s.id))}); set strategyId to the one rollout-guard should move`,
    };
  }
  return { strategy: { patch: only.id }, enable };
}

function list(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.join(', ');
}

function missingEnvironment(feature: UnleashFeature, environment: string): string {
  return `environment ${environment} is not enabled for the flag's project (it has ${list(feature.environments.map((e) => e.name))}); enable the environment in the project or fix the target's environment`;
}

export const buildUnleash: RequestBuilder<UnleashTarget> = function buildUnleash(event, target, ctx) {
  if (event.type !== 'rollout.rollback' && event.type !== 'rollout.advance') {
    return { skipped: `unleash acts on rollback and advance only, not ${event.type}` };
  }
  const token = ctx.resolveSecret(target.token, `${ctx.path}.token`);
  return { exchange: (send) => exchangeUnleash(event, target, token, ctx.path, send) };
};

async function exchangeUnleash(
  event: Extract<WebhookEvent, { type: 'rollout.rollback' | 'rollout.advance' }>,
  target: UnleashTarget,
  token: string,
  path: string,
  send: SendStep,
): Promise<AttemptResult> {
  const { flag } = event.data;
  const featureUrl = `${joinUrl(target.url, '/api/admin/projects')}/${encodeURIComponent(target.project)}/features/${encodeURIComponent(flag)}`;
  const envUrl = `${featureUrl}/environments/${encodeURIComponent(target.environment)}`;
  const headers = { authorization: token, 'user-agent': userAgent };
  const request = (method: DeliveryRequest['method'], url: string, body?: unknown): DeliveryRequest => ({
    method,
    url,
    headers: body === undefined ? headers : { ...headers, ...jsonHeaders },
    body: body === undefined ? null : JSON.stringify(body),
    redact: [token],
  });

  const read = await send(request('GET', featureUrl), { excerptBytes: 1 << 20 });
  if (read.outcome !== 'delivered') {
    const hint =
      read.status === 404
        ? `flag ${flag} is not in project ${target.project} of ${target.url}; create it there (or fix the rollout's flag or the target's project): retried until it exists`
        : undefined;
    return failedStep(`reading flag ${flag}`, read, hint);
  }
  let feature: UnleashFeature;
  try {
    feature = Feature.parse(JSON.parse(read.responseExcerpt));
  } catch {
    return {
      ...read,
      outcome: 'retry',
      error: `reading flag ${flag}: the answer is not an Unleash feature with environments; is ${target.url} the Unleash server?`,
    };
  }
  const latency = (result: AttemptResult) => ({ ...result, latencyMs: result.latencyMs + read.latencyMs });

  if (event.type === 'rollout.rollback') {
    if (!feature.environments.some((e) => e.name === target.environment)) {
      return { ...read, outcome: 'retry', error: missingEnvironment(feature, target.environment) };
    }
    const off = await send(request('POST', `${envUrl}/off`));
    return latency(off.outcome === 'delivered' ? off : failedStep(`turning ${flag} off`, off));
  }

  const plan = planAdvance(feature, target.environment, target.strategyId);
  if ('problem' in plan) {
    // An unknown environment may yet be enabled by someone; an ambiguous or wrong strategy needs the spec.
    if (plan.problem.startsWith('environment ')) return { ...read, outcome: 'retry', error: plan.problem };
    throw new DeliveryConfigError(`${path}: ${plan.problem}`);
  }
  const rollout = String(event.data.wave.percent);
  const set =
    plan.strategy === 'create'
      ? await send(
          request('POST', `${envUrl}/strategies`, {
            name: 'flexibleRollout',
            parameters: { rollout, stickiness: 'default', groupId: flag },
            constraints: [],
          }),
        )
      : await send(
          request('PATCH', `${envUrl}/strategies/${encodeURIComponent(plan.strategy.patch)}`, [
            { op: 'replace', path: '/parameters/rollout', value: rollout },
          ]),
        );
  if (set.outcome !== 'delivered') return latency(failedStep(`setting ${flag} to ${rollout}%`, set));
  if (!plan.enable) return latency(set);
  const on = await send(request('POST', `${envUrl}/on`));
  return latency({
    ...(on.outcome === 'delivered' ? on : failedStep(`turning ${flag} on`, on)),
    latencyMs: on.latencyMs + set.latencyMs,
  });
}
