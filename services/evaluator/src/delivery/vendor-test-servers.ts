import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { semanticPatchType } from './formats/launchdarkly.ts';
import type { LaunchDarklyTarget } from './targets.ts';
import { type CapturedRequest, startReceiver, type TestReceiver } from './test-receiver.ts';

// Loopback stand-ins for LaunchDarkly's and PagerDuty's APIs in the delivery tests (Flagsmith's is in
// flagsmith-test-server.ts, on the helpers exported here): each refuses any request its vendor's
// published definition (vendor-apis/) refuses, and answers as the vendor does, including its errors
// and its rate limit (429 with the vendor's headers), which a test switches on.

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The vendor-apis/ schema in `file`, or one of its `definitions` when the file holds several. */
export function schema(file: string, definition?: string): ValidateFunction {
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  const document = JSON.parse(readFileSync(new URL(`./vendor-apis/${file}`, import.meta.url), 'utf8'));
  if (definition === undefined) return ajv.compile(document);
  ajv.addSchema(document);
  const validate = ajv.getSchema(`${document.$id}#/definitions/${definition}`);
  if (validate === undefined) throw new Error(`${file} has no definition ${definition}`);
  return validate;
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function parsed(request: CapturedRequest): unknown {
  try {
    return JSON.parse(request.body);
  } catch {
    return undefined;
  }
}

export interface VendorServer extends TestReceiver {
  /** The next `count` requests are rate limited (429) before being looked at. */
  rateLimit(count: number): void;
  /** Requests the server accepted. */
  accepted: CapturedRequest[];
}

/** LaunchDarkly's limit: a 429 carries `X-Ratelimit-Reset` in epoch ms; `Retry-After` only on global limits. */
export interface LaunchDarklyOptions {
  token: string;
  /** Project, flag and environment keys that exist. */
  project: string;
  flag: string;
  environment: string;
  /** Variation ids of the flag. */
  variations: readonly string[];
  rateLimit?: { resetInMs: number; retryAfterSeconds?: number };
}

export async function vendorServer(
  handle: (request: CapturedRequest, res: ServerResponse) => boolean,
  limited: (res: ServerResponse) => void,
): Promise<VendorServer> {
  let limitedLeft = 0;
  const accepted: CapturedRequest[] = [];
  const receiver = await startReceiver((request, res) => {
    if (limitedLeft > 0) {
      limitedLeft -= 1;
      limited(res);
      return;
    }
    if (handle(request, res)) accepted.push(request);
  });
  return {
    ...receiver,
    accepted,
    rateLimit(count) {
      limitedLeft = count;
    },
  };
}

/** A `launchdarkly` target for the server `url` stands in for, its token read from `env:LD_TOKEN`. */
export function launchDarklyTarget(
  url: string,
  options: Pick<LaunchDarklyOptions, 'project' | 'environment'> & {
    variations: { treatment: string; control: string };
  },
): LaunchDarklyTarget {
  return { format: 'launchdarkly', url, token: { env: 'LD_TOKEN' }, ...options };
}

/** PATCH /api/v2/flags/{project}/{flag} with a semantic patch, as LaunchDarkly validates and answers it. */
export function startLaunchDarkly(options: LaunchDarklyOptions): Promise<VendorServer> {
  const validate = schema('launchdarkly-semantic-patch.schema.json');
  const error = (res: ServerResponse, status: number, code: string, message: string) =>
    json(res, status, { code, message });
  return vendorServer(
    (request, res) => {
      if (request.headers.authorization !== options.token) {
        error(res, 401, 'unauthorized', 'Invalid account ID header');
        return false;
      }
      const path = `/api/v2/flags/${options.project}/${options.flag}`;
      if (request.method !== 'PATCH' || request.path !== path) {
        error(res, 404, 'not_found', 'Unknown resource');
        return false;
      }
      if (request.headers['content-type'] !== semanticPatchType) {
        // Without the domain-model parameter LaunchDarkly reads the body as a JSON Patch and refuses it.
        error(
          res,
          400,
          'invalid_request',
          'Unsupported patch format: expected a JSON patch or a semantic patch',
        );
        return false;
      }
      const body = parsed(request) as {
        environmentKey?: string;
        instructions?: Array<Record<string, unknown>>;
      };
      if (!validate(body)) {
        error(res, 400, 'invalid_request', `Invalid semantic patch: ${JSON.stringify(validate.errors)}`);
        return false;
      }
      if (body.environmentKey !== options.environment) {
        error(res, 400, 'invalid_request', `Unknown environment key ${body.environmentKey}`);
        return false;
      }
      for (const instruction of body.instructions ?? []) {
        const weights = instruction.rolloutWeights as Record<string, number> | undefined;
        if (weights === undefined) continue;
        const unknown = Object.keys(weights).filter((id) => !options.variations.includes(id));
        const total = Object.values(weights).reduce((a, b) => a + b, 0);
        if (unknown.length > 0 || total !== 100_000) {
          error(
            res,
            400,
            'invalid_request',
            'Rollout weights must name the flag’s variations and sum to 100000',
          );
          return false;
        }
      }
      json(res, 200, { key: options.flag, kind: 'boolean', _version: 2 });
      return true;
    },
    (res) => {
      const reset = String(Date.now() + (options.rateLimit?.resetInMs ?? 1000));
      const retryAfter = options.rateLimit?.retryAfterSeconds;
      json(
        res,
        429,
        { code: 'rate_limited', message: 'You have been rate limited.' },
        {
          'x-ratelimit-reset': reset,
          ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
        },
      );
    },
  );
}

export interface PagerDutyServer extends VendorServer {
  /** Alerts open now, by dedup_key, with the trigger that opened them. */
  open: Map<string, Record<string, unknown>>;
}

/**
 * POST /v2/enqueue of PagerDuty's Events API v2: every event checked against the published schema
 * (400 "invalid event" with the errors), an unknown integration key refused, 202 with the dedup_key, and
 * 429 when throttled (no Retry-After: PagerDuty asks clients to back off). Triggers open an alert per
 * dedup_key; resolves close it.
 */
export async function startPagerDuty(options: { routingKey: string }): Promise<PagerDutyServer> {
  const validate = schema('pagerduty-events-v2.schema.json');
  const open = new Map<string, Record<string, unknown>>();
  const invalid = (res: ServerResponse, errors: string[]) =>
    json(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
  const server = await vendorServer(
    (request, res) => {
      if (request.method !== 'POST' || request.path !== '/v2/enqueue') {
        json(res, 404, { status: 'not found', message: 'Not found' });
        return false;
      }
      const body = parsed(request) as Record<string, unknown> | undefined;
      if (body === undefined) {
        json(res, 400, { status: 'invalid request', message: 'Invalid JSON', errors: ['Malformed JSON'] });
        return false;
      }
      if (!validate(body)) {
        invalid(
          res,
          (validate.errors ?? []).map((e) => `${e.instancePath || 'event'} ${e.message}`),
        );
        return false;
      }
      if (body.routing_key !== options.routingKey) {
        invalid(res, ["'routing_key' is invalid"]);
        return false;
      }
      const dedupKey = String(body.dedup_key);
      if (body.event_action === 'trigger') open.set(dedupKey, body);
      if (body.event_action === 'resolve') open.delete(dedupKey);
      json(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
      return true;
    },
    (res) =>
      json(res, 429, {
        status: 'throttle event',
        message: 'Requests for this integration are arriving too quickly. Please retry later.',
      }),
  );
  return { ...server, open };
}
