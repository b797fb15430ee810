import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import type { ResolveSecret } from './secret.ts';
import type { AttemptResult } from './send.ts';

/**
 * One HTTP request, ready to send. It holds resolved secrets (in headers, in the body, in a Slack
 * URL), so it is built right before each attempt and never stored; `redact` lists those values so
 * that the sender can keep them out of what it records.
 */
export interface DeliveryRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers: Record<string, string>;
  /** null: no body at all (a bare POST), so that no content-type is implied. */
  body: string | null;
  redact: string[];
}

/** What a format does with an event it has no use for (an Unleash target and a verdict, say). */
export interface SkippedDelivery {
  skipped: string;
}

/** Sends one request of an exchange with the attempt's options; `excerptBytes` widens what is read back. */
export type SendStep = (
  request: DeliveryRequest,
  options?: { excerptBytes?: number },
) => Promise<AttemptResult>;

/**
 * A delivery that needs several requests (read the flag, then change it; one event per check). The steps
 * share the attempt's timeout, egress and redirect rules, because each goes through the same sender; the
 * attempt's result is the first step that was not delivered, or the last one.
 */
export interface DeliveryExchange {
  exchange(send: SendStep): Promise<AttemptResult>;
}

export interface BuildContext {
  resolveSecret: ResolveSecret;
  /** When this attempt is sent: the Standard Webhooks timestamp. */
  now: Date;
  /** Where the target sits in the spec, for error messages: `actions.rollback[0]`. */
  path: string;
}

export type RequestBuilder<T> = (
  event: WebhookEvent,
  target: T,
  ctx: BuildContext,
) => DeliveryRequest | SkippedDelivery | DeliveryExchange;

export const jsonHeaders = { 'content-type': 'application/json' } as const;
export const userAgent = 'rollout-guard-webhooks/1';

export type BuiltDelivery = DeliveryRequest | SkippedDelivery | DeliveryExchange;

export function isSkipped(built: BuiltDelivery): built is SkippedDelivery {
  return 'skipped' in built;
}

export function isExchange(built: BuiltDelivery): built is DeliveryExchange {
  return 'exchange' in built;
}

/** Sends `requests` one after the other; stops at the first that is not delivered. */
export async function sendEach(send: SendStep, requests: readonly DeliveryRequest[]): Promise<AttemptResult> {
  let last: AttemptResult | undefined;
  let latencyMs = 0;
  for (const request of requests) {
    last = await send(request);
    latencyMs += last.latencyMs;
    if (last.outcome !== 'delivered') break;
  }
  if (last === undefined) throw new RangeError('an exchange needs at least one request');
  return { ...last, latencyMs };
}

/** Joins a configurable base URL (trailing slash or not) and an API path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** What went wrong at one step of an exchange, for the delivery log; the step's outcome is kept. */
export function failedStep(step: string, result: AttemptResult, hint?: string): AttemptResult {
  const said = result.status === undefined ? (result.error ?? 'no answer') : `answered ${result.status}`;
  return { ...result, error: `${step}: ${said}${hint === undefined ? '' : `; ${hint}`}` };
}
