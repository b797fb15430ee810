import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { defaultRetryPolicy, nextDelay, type RetryPolicy } from './backoff.ts';
import { DeliveryConfigError } from './delivery-error.ts';
import { buildRequest } from './formats/index.ts';
import { isExchange, isSkipped } from './request.ts';
import type { ResolveSecret } from './secret.ts';
import { type AttemptResult, type SendOptions, send } from './send.ts';
import type { DeliveryTarget } from './targets.ts';

/** One attempt as the delivery log stores it: no request, no secret. */
export interface AttemptRecord extends Omit<AttemptResult, 'outcome'> {
  /** Epoch ms when the attempt started. */
  at: number;
  outcome: AttemptResult['outcome'] | 'skipped';
}

export interface AttemptOptions extends SendOptions {
  resolveSecret: ResolveSecret;
  /** Where the target sits in the spec (`actions.rollback[0]`), for messages. */
  path: string;
  /** The attempt's clock; defaults to the real one. */
  now?: () => Date;
}

/**
 * Builds the request for this attempt (fresh timestamp and signature, secrets read now) and sends
 * it. A target that cannot work as configured is `stopped` with the reason; a format with nothing
 * to do for this event is `skipped`. Neither is retried.
 */
export async function attemptDelivery(
  event: WebhookEvent,
  target: DeliveryTarget,
  options: AttemptOptions,
): Promise<AttemptRecord> {
  const now = options.now?.() ?? new Date();
  const at = now.getTime();
  let built: ReturnType<typeof buildRequest>;
  try {
    built = buildRequest(event, target, { resolveSecret: options.resolveSecret, now, path: options.path });
  } catch (error) {
    if (!(error instanceof DeliveryConfigError)) throw error;
    return { at, outcome: 'stopped', latencyMs: 0, responseExcerpt: '', error: error.message };
  }
  if (isSkipped(built))
    return { at, outcome: 'skipped', latencyMs: 0, responseExcerpt: '', error: built.skipped };
  if (isExchange(built)) {
    try {
      return { at, ...(await built.exchange((request, step) => send(request, { ...options, ...step }))) };
    } catch (error) {
      if (!(error instanceof DeliveryConfigError)) throw error;
      return { at, outcome: 'stopped', latencyMs: 0, responseExcerpt: '', error: error.message };
    }
  }
  return { at, ...(await send(built, options)) };
}

export type NextStep =
  | { readonly outcome: 'delivered' | 'stopped' | 'skipped' }
  | { readonly outcome: 'retry'; readonly delayMs: number }
  | { readonly outcome: 'gave-up' };

/**
 * What follows an attempt: done, retry after `delayMs`, or give up (24 h after the first attempt,
 * or when `Retry-After` points past that). A delivery that gives up should raise a `rollout.alert`.
 */
export function nextStep(
  record: AttemptRecord,
  attemptNumber: number,
  firstAttemptAt: number,
  now: number,
  rng: () => number = Math.random,
  policy: RetryPolicy = defaultRetryPolicy,
): NextStep {
  if (record.outcome !== 'retry') return { outcome: record.outcome };
  const delay = nextDelay(attemptNumber, firstAttemptAt, now, record.retryAfterMs, rng, policy);
  return delay === 'give-up' ? { outcome: 'gave-up' } : { outcome: 'retry', delayMs: delay };
}
