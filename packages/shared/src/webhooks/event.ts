import { z } from 'zod';

// The webhook body of PRODUCT.md §3. Receivers deduplicate on `data.decisionId` (also sent as the
// `webhook-id` header), so everything here must be identical on every retry of one delivery.

export const webhookEventTypes = [
  'rollout.rollback',
  'rollout.verdict',
  'rollout.advance',
  'rollout.alert',
  'rollout.paused',
  'rollout.completed',
  'rollout.resolved',
] as const;
export const WebhookEventType = z.enum(webhookEventTypes);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** A limit as the spec declares it: a number, or a relative difference such as "+5%". */
export const AllowedBound = z.union([z.number(), z.string().regex(/^[+-]?\d+(\.\d+)?%$/)]);
export const Allowed = z
  .object({ min: AllowedBound.optional(), max: AllowedBound.optional() })
  .refine((a) => a.min !== undefined || a.max !== undefined, {
    message: 'allowed needs a min, a max or both',
  });
export type Allowed = z.infer<typeof Allowed>;

/** One check's evidence behind a decision. `value` and `interval` are null when there was no data. */
export const WebhookReason = z.object({
  check: z.string().min(1),
  value: z.number().nullable(),
  interval: z.tuple([z.number(), z.number()]).nullable(),
  allowed: Allowed,
  samples: z.object({ treatment: z.number().int().nonnegative(), control: z.number().int().nonnegative() }),
  window: z.string().min(1),
  /** What the check was judged on: its always-valid `interval`, or its `value` (`judge: value`, or no interval). */
  judgedBy: z.enum(['interval', 'value']).optional(),
  /** The rule that fired, with its numbers: "the whole interval [0.031, 0.042] lies above max 0.03". */
  explanation: z.string().optional(),
  /** Who owns this check and what on-call should read: the check's own, else the rollout's (spec `owner`, `runbook`). */
  owner: z.string().optional(),
  runbook: z.url().optional(),
  /** The spec's `summary` template for this check, rendered when the decision was taken. */
  summary: z.string().optional(),
  /**
   * Distribution checks: where treatment and reference differ most — the boundary, each cohort's share of
   * observations at or below it, their difference and its interval. `value` and `interval` are the distance.
   */
  distribution: z
    .object({
      boundary: z.number(),
      treatment: z.number(),
      reference: z.number(),
      difference: z.number(),
      interval: z.tuple([z.number(), z.number()]),
      boundaries: z.number().int().positive(),
    })
    .optional(),
});
export type WebhookReason = z.infer<typeof WebhookReason>;

export const Wave = z.object({
  index: z.number().int().positive(),
  percent: z.number().gt(0).max(100),
});
export type Wave = z.infer<typeof Wave>;

const EventData = z.object({
  decisionId: z.string().min(1),
  rollout: z.string().min(1),
  flag: z.string().min(1),
  specVersion: z.number().int().nonnegative(),
  /**
   * The wave the decision concerns; for `rollout.advance` the wave being started, whose percent the
   * flag system should now serve. Null before wave 1 (an alert during the baseline, say).
   */
  wave: Wave.nullable(),
  reasons: z.array(WebhookReason),
  evidenceUrl: z.url(),
  /** The decision in one or two sentences a person can act on (an operator's reason included). */
  summary: z.string().optional(),
  /**
   * Present (true) when the decision was taken in shadow mode: recorded as for real, but nothing acted. A
   * shadow rollback reaches the alert targets as a `rollout.alert`; no shadow decision sends a rollback or an
   * advance.
   */
  shadow: z.literal(true).optional(),
  /** The rollout's owner and runbook (spec `owner`, `runbook`); each reason carries its check's. */
  owner: z.string().optional(),
  runbook: z.url().optional(),
});

const timestamp = z.iso.datetime({ offset: true });

export const RollbackEvent = z.object({
  type: z.literal('rollout.rollback'),
  timestamp,
  data: EventData.extend({ verdict: z.literal('rollback') }),
});
export const VerdictEvent = z.object({
  type: z.literal('rollout.verdict'),
  timestamp,
  data: EventData.extend({ verdict: z.enum(['go', 'no-go', 'inconclusive']) }),
});
export const AdvanceEvent = z.object({
  type: z.literal('rollout.advance'),
  timestamp,
  data: EventData.extend({ verdict: z.literal('advance'), wave: Wave }),
});
export const AlertEvent = z.object({
  type: z.literal('rollout.alert'),
  timestamp,
  data: EventData.extend({ verdict: z.literal('alert') }),
});
export const PausedEvent = z.object({
  type: z.literal('rollout.paused'),
  timestamp,
  data: EventData.extend({ verdict: z.literal('paused') }),
});
export const CompletedEvent = z.object({
  type: z.literal('rollout.completed'),
  timestamp,
  data: EventData.extend({ verdict: z.literal('completed') }),
});

/**
 * What a raised alert was about is over. `resolves: checks`: the guardrails in `reasons` are back within
 * `allowed`, or are no longer watched (the next wave judges its guardrails afresh; an operator rolled back);
 * `rollout`: the rollout completed, was aborted or resumed, so everything it raised (each check's alert, a pause,
 * a no-go) is over.
 */
export const ResolvedEvent = z.object({
  type: z.literal('rollout.resolved'),
  timestamp,
  data: EventData.extend({ verdict: z.literal('resolved'), resolves: z.enum(['checks', 'rollout']) }),
});

export const WebhookEvent = z.discriminatedUnion('type', [
  RollbackEvent,
  VerdictEvent,
  AdvanceEvent,
  AlertEvent,
  PausedEvent,
  CompletedEvent,
  ResolvedEvent,
]);
export type WebhookEvent = z.infer<typeof WebhookEvent>;
export type RollbackEvent = z.infer<typeof RollbackEvent>;
export type VerdictEvent = z.infer<typeof VerdictEvent>;
export type AdvanceEvent = z.infer<typeof AdvanceEvent>;
export type ResolvedEvent = z.infer<typeof ResolvedEvent>;
export type WebhookVerdict = WebhookEvent['data']['verdict'];
