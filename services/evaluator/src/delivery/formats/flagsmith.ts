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
import type { FlagsmithTarget } from '../targets.ts';

// Flagsmith Admin API (https://docs.flagsmith.com, "Admin API"), an environment's feature states under
// {url}/environments/{environment_api_key}/featurestates/ (request and answer shapes:
// vendor-apis/flagsmith-feature-states.schema.json):
// - read: GET …/featurestates/?feature_name={flag}: the environment's own feature state of the feature
//   (no segment, no identity) with its id and its multivariate values; an empty list when the project
//   has no such feature, 404 when there is no such environment.
// - rollback: PATCH …/featurestates/{id}/ `{enabled: false}`: the flag is off in the environment.
// - advance: PUT …/featurestates/{id}/ `{enabled: true, multivariate_feature_state_values}`: the feature
//   is on (a feature state that is off serves no option at all, as after a rollback), the treatment
//   option gets the wave's percent, everyone else the environment's value (the control). PUT, because Flagsmith reads
//   a PATCH with a serializer that knows only `feature` and `enabled` and drops the rest without a word;
//   its PUT is partial too. The list is the state's whole set (a value left out is deleted), so every
//   value goes back with its id, only the treatment's percentage changed.
// Organisation API keys go in `Authorization: Api-Key <key>`.

const MultivariateValue = z.object({
  id: z.number().int(),
  multivariate_feature_option: z.number().int(),
  percentage_allocation: z.number(),
});
const FeatureState = z.object({
  id: z.number().int(),
  enabled: z.boolean(),
  multivariate_feature_state_values: z.array(MultivariateValue),
});
// Paginated ({count, next, previous, results}); an unpaginated list is read the same way.
const Listing = z.union([z.object({ results: z.array(FeatureState) }), z.array(FeatureState)]);
export type FlagsmithFeatureState = z.infer<typeof FeatureState>;

/** The multivariate values an advance writes, or why it cannot: a question only the user can answer. */
export function planFlagsmithAdvance(
  state: FlagsmithFeatureState,
  optionId: number,
  percent: number,
): { readonly values: z.infer<typeof MultivariateValue>[] } | { readonly problem: string } {
  const values = state.multivariate_feature_state_values;
  const options = values.map((v) => v.multivariate_feature_option);
  if (!options.includes(optionId)) {
    return {
      problem: `variant.optionId ${optionId} is not a multivariate option of the feature (it has ${options.length === 0 ? 'none' : options.join(', ')}); give the id of the option serving the treatment`,
    };
  }
  const others = values.filter(
    (v) => v.multivariate_feature_option !== optionId && v.percentage_allocation > 0,
  );
  const taken = others.reduce((sum, v) => sum + v.percentage_allocation, 0);
  if (taken + percent > 100) {
    return {
      problem: `the feature's other options take ${taken}% in the environment (${others.map((v) => `option ${v.multivariate_feature_option}: ${v.percentage_allocation}%`).join(', ')}), so option ${optionId} cannot get ${percent}%; set them to 0% in Flagsmith, the rollout's control is the environment's value`,
    };
  }
  return {
    values: values.map((v) =>
      v.multivariate_feature_option === optionId ? { ...v, percentage_allocation: percent } : v,
    ),
  };
}

/** What a delivery does to the feature state: switch it off, or give the treatment option a percentage. */
type Change =
  | { readonly kind: 'off' }
  | { readonly kind: 'percent'; readonly optionId: number; readonly percent: number };

export const buildFlagsmith: RequestBuilder<FlagsmithTarget> = function buildFlagsmith(event, target, ctx) {
  if (event.type !== 'rollout.rollback' && event.type !== 'rollout.advance') {
    return { skipped: `flagsmith acts on rollback and advance only, not ${event.type}` };
  }
  let change: Change = { kind: 'off' };
  if (event.type === 'rollout.advance') {
    if (target.variant === undefined) {
      throw new DeliveryConfigError(
        `${ctx.path}.variant: a Flagsmith advance sets the percentage of one multivariate option; give { optionId } of the option serving the treatment`,
      );
    }
    change = { kind: 'percent', optionId: target.variant.optionId, percent: event.data.wave.percent };
  }
  const token = ctx.resolveSecret(target.token, `${ctx.path}.token`);
  const api = flagsmithApi(target, token);
  const { flag } = event.data;
  return {
    exchange: async (send) => {
      const read = await readFeatureState(api, flag, send);
      if (!('state' in read)) return read;
      const { state, latencyMs } = read;
      const stateUrl = `${api.statesUrl}${state.id}/`;
      let result: AttemptResult;
      if (change.kind === 'off') {
        const off = await send(api.request('PATCH', stateUrl, { enabled: false }));
        result = off.outcome === 'delivered' ? off : failedStep(`turning ${flag} off`, off);
      } else {
        const plan = planFlagsmithAdvance(state, change.optionId, change.percent);
        if ('problem' in plan) throw new DeliveryConfigError(`${ctx.path}: ${plan.problem}`);
        const set = await send(
          api.request('PUT', stateUrl, { enabled: true, multivariate_feature_state_values: plan.values }),
        );
        result = set.outcome === 'delivered' ? set : failedStep(`setting ${flag} to ${change.percent}%`, set);
      }
      return { ...result, latencyMs: result.latencyMs + latencyMs };
    },
  };
};

interface FlagsmithApi {
  readonly target: FlagsmithTarget;
  /** …/environments/{environment_api_key}/featurestates/ */
  readonly statesUrl: string;
  request(method: DeliveryRequest['method'], url: string, body?: unknown): DeliveryRequest;
}

function flagsmithApi(target: FlagsmithTarget, token: string): FlagsmithApi {
  const headers = { authorization: `Api-Key ${token}`, 'user-agent': userAgent };
  return {
    target,
    statesUrl: `${joinUrl(target.url, '/environments')}/${encodeURIComponent(target.environment)}/featurestates/`,
    request: (method, url, body) => ({
      method,
      url,
      headers: body === undefined ? headers : { ...headers, ...jsonHeaders },
      body: body === undefined ? null : JSON.stringify(body),
      redact: [token],
    }),
  };
}

/** The environment's feature state of `flag`, or the attempt's result saying why it could not be read. */
async function readFeatureState(
  api: FlagsmithApi,
  flag: string,
  send: SendStep,
): Promise<{ state: FlagsmithFeatureState; latencyMs: number } | AttemptResult> {
  const { target } = api;
  const read = await send(api.request('GET', `${api.statesUrl}?feature_name=${encodeURIComponent(flag)}`), {
    excerptBytes: 1 << 20,
  });
  if (read.outcome !== 'delivered') {
    const hint =
      read.status === 404
        ? `environment ${target.environment} is not known to ${target.url}; the target's environment is the environment's API key (its client-side key): retried until it exists`
        : undefined;
    return failedStep(`reading feature ${flag}`, read, hint);
  }
  let states: FlagsmithFeatureState[];
  try {
    const listing = Listing.parse(JSON.parse(read.responseExcerpt));
    states = Array.isArray(listing) ? listing : listing.results;
  } catch {
    return {
      ...read,
      outcome: 'retry',
      error: `reading feature ${flag}: the answer is not a list of Flagsmith feature states; is ${target.url} Flagsmith's Admin API (…/api/v1)?`,
    };
  }
  const [state] = states;
  if (state === undefined) {
    return {
      ...read,
      outcome: 'retry',
      error: `feature ${flag} is not in the project of environment ${target.environment}; create it in Flagsmith (or fix the rollout's flag or the target's environment): retried until it exists`,
    };
  }
  return { state, latencyMs: read.latencyMs };
}
