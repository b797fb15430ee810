import type { ServerResponse } from 'node:http';
import type { ErrorObject } from 'ajv';
import type { CapturedRequest } from './test-receiver.ts';
import { json, parsed, schema, type VendorServer, vendorServer } from './vendor-test-servers.ts';

// A loopback stand-in for Flagsmith's Admin API (Django REST Framework) in the delivery tests: one
// environment holding one feature, its feature state read and written under
// /api/v1/environments/{environment_api_key}/featurestates/, every write checked against
// vendor-apis/flagsmith-feature-states.schema.json, and Flagsmith's answers: DRF's error bodies, 404
// for an unknown environment or feature state, 429 with Retry-After (seconds) when a test asks.

export interface FlagsmithOptions {
  token: string;
  /** The environment's API key. */
  environment: string;
  feature: string;
  /** Multivariate option ids of the feature; each starts with a 0 % allocation in the environment. */
  optionIds: readonly number[];
  /** Seconds in Django REST Framework's throttled answer. */
  retryAfterSeconds?: number;
}

export interface MultivariateValue {
  id: number;
  multivariate_feature_option: number;
  percentage_allocation: number;
}

/** The environment's feature state of the feature, as the Admin API lists it (the fields that matter here). */
export interface FlagsmithFeatureState {
  id: number;
  feature: number;
  environment: number;
  enabled: boolean;
  feature_segment: null;
  identity: null;
  multivariate_feature_state_values: MultivariateValue[];
}

export interface FlagsmithServer extends VendorServer {
  /** The feature state now: what every accepted write changed. */
  state: FlagsmithFeatureState;
}

const featureStatesPath = /^\/api\/v1\/environments\/([^/?]+)\/featurestates\/(?:(\d+)\/)?(?:\?(.*))?$/;

/** Django REST Framework's validation error body: errors by field, the rest under non_field_errors. */
function drfErrors(errors: readonly ErrorObject[]): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  for (const error of errors) {
    const unknown = error.keyword === 'additionalProperties' && error.instancePath === '';
    const field = unknown ? 'non_field_errors' : (error.instancePath.split('/')[1] ?? 'non_field_errors');
    const said = unknown
      ? `Unknown field: ${String(error.params.additionalProperty)}`
      : `${error.instancePath} ${error.message ?? 'is invalid'}`.trim();
    const key = field || 'non_field_errors';
    byField[key] = [...(byField[key] ?? []), said];
  }
  return byField;
}

export async function startFlagsmith(options: FlagsmithOptions): Promise<FlagsmithServer> {
  const validatePatch = schema('flagsmith-feature-states.schema.json', 'patch');
  const validatePut = schema('flagsmith-feature-states.schema.json', 'put');
  let nextValueId = 500 + options.optionIds.length;
  const state: FlagsmithFeatureState = {
    id: 31,
    feature: 17,
    environment: 5,
    enabled: true,
    feature_segment: null,
    identity: null,
    multivariate_feature_state_values: options.optionIds.map((option, i) => ({
      id: 500 + i,
      multivariate_feature_option: option,
      percentage_allocation: 0,
    })),
  };
  const notFound = (res: ServerResponse) => json(res, 404, { detail: 'Not found.' });

  /** PUT's nested write: listed values with an id are updated, without one created, the rest deleted. */
  function writeValues(
    res: ServerResponse,
    values: ReadonlyArray<Omit<MultivariateValue, 'id'> & { id?: number }>,
  ) {
    const unknownOptions = values.filter((v) => !options.optionIds.includes(v.multivariate_feature_option));
    if (unknownOptions.length > 0) {
      json(res, 400, {
        multivariate_feature_state_values: values.map((v) =>
          options.optionIds.includes(v.multivariate_feature_option)
            ? {}
            : {
                multivariate_feature_option: [
                  `Invalid pk "${v.multivariate_feature_option}" - object does not exist.`,
                ],
              },
        ),
      });
      return false;
    }
    const known = new Set(state.multivariate_feature_state_values.map((v) => v.id));
    if (values.some((v) => v.id !== undefined && !known.has(v.id))) {
      json(res, 400, {
        multivariate_feature_state_values: ['Could not find the value to update by its id.'],
      });
      return false;
    }
    if (values.reduce((sum, v) => sum + v.percentage_allocation, 0) > 100) {
      json(res, 400, { non_field_errors: ['Multivariate percentage values exceed 100%.'] });
      return false;
    }
    state.multivariate_feature_state_values = values.map((v) => ({ ...v, id: v.id ?? nextValueId++ }));
    return true;
  }

  function handle(request: CapturedRequest, res: ServerResponse): boolean {
    const [scheme, key] = (request.headers.authorization ?? '').split(' ');
    if (!(scheme === 'Api-Key' || scheme === 'Token') || key !== options.token) {
      json(res, 401, { detail: 'Authentication credentials were not provided.' });
      return false;
    }
    const match = featureStatesPath.exec(request.path);
    if (match === null || decodeURIComponent(match[1] ?? '') !== options.environment) {
      notFound(res);
      return false;
    }
    const [, , id, query] = match;
    if (id === undefined) {
      if (request.method !== 'GET') {
        json(res, 405, { detail: `Method "${request.method}" not allowed.` });
        return false;
      }
      const name = new URLSearchParams(query ?? '').get('feature_name');
      const results = name === null || name === options.feature ? [state] : [];
      json(res, 200, { count: results.length, next: null, previous: null, results });
      return true;
    }
    if (Number(id) !== state.id) {
      notFound(res);
      return false;
    }
    if (request.method === 'GET') {
      json(res, 200, state);
      return true;
    }
    if (request.method !== 'PATCH' && request.method !== 'PUT') {
      json(res, 405, { detail: `Method "${request.method}" not allowed.` });
      return false;
    }
    if (!request.headers['content-type']?.startsWith('application/json')) {
      json(res, 415, { detail: `Unsupported media type "${request.headers['content-type']}" in request.` });
      return false;
    }
    const body = parsed(request) as {
      enabled?: boolean;
      multivariate_feature_state_values?: Array<Omit<MultivariateValue, 'id'> & { id?: number }>;
    };
    const validate = request.method === 'PATCH' ? validatePatch : validatePut;
    if (!validate(body)) {
      json(res, 400, drfErrors(validate.errors ?? []));
      return false;
    }
    if (
      body.multivariate_feature_state_values !== undefined &&
      !writeValues(res, body.multivariate_feature_state_values)
    ) {
      return false;
    }
    if (body.enabled !== undefined) state.enabled = body.enabled;
    json(res, 200, state);
    return true;
  }

  const server = await vendorServer(handle, (res) => {
    const wait = options.retryAfterSeconds ?? 1;
    json(
      res,
      429,
      { detail: `Request was throttled. Expected available in ${wait} seconds.` },
      { 'retry-after': String(wait) },
    );
  });
  // Writes change `state` in place, so the test sees every accepted change through this reference.
  return { ...server, state };
}
