export {
  type AttemptOptions,
  type AttemptRecord,
  attemptDelivery,
  type NextStep,
  nextStep,
} from './attempt.ts';
export { defaultRetryPolicy, nextDelay, type RetryPolicy } from './backoff.ts';
export { DeliveryConfigError } from './delivery-error.ts';
export { buildRequest } from './formats/index.ts';
export { type BuildContext, type DeliveryRequest, isSkipped, type SkippedDelivery } from './request.ts';
export { parseRetryAfter } from './retry-after.ts';
export { type ResolveSecret, secretResolver } from './secret.ts';
export { type AttemptResult, type SendOptions, send } from './send.ts';
export { signature, signingKey, standardWebhookHeaders } from './signing.ts';
export type { DeliveryTarget } from './targets.ts';
