import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import type { ResolveSecret } from './secret.ts';

/**
 * One HTTP request, ready to send. It holds resolved secrets (in headers, in the body, in a Slack
 * URL), so it is built right before each attempt and never stored; `redact` lists those values so
 * that the sender can keep them out of what it records.
 */
export interface DeliveryRequest {
  method: 'POST' | 'PATCH' | 'PUT';
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
) => DeliveryRequest | SkippedDelivery;

export const jsonHeaders = { 'content-type': 'application/json' } as const;
export const userAgent = 'rollout-guard-webhooks/1';

export function isSkipped(built: DeliveryRequest | SkippedDelivery): built is SkippedDelivery {
  return 'skipped' in built;
}

/** Joins a configurable base URL (trailing slash or not) and an API path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
