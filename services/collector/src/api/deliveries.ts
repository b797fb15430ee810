import { FINAL_STATUSES } from '@rollout-guard/shared/store';
import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses } from './api-schemas.ts';
import { guard } from './guard.ts';
import { ActionBody, reasonOf } from './rollout-actions.ts';

export const DeliveryView = z
  .object({
    id: z.string(),
    rollout: z.string(),
    decisionId: z.string(),
    webhook: z.string(),
    action: z.string(),
    targetIndex: z.number().int(),
    format: z.string(),
    destination: z.string(),
    status: z.enum(['pending', 'retrying', 'delivered', 'stopped', 'gave-up', 'skipped']),
    attempts: z.number().int(),
    createdAt: z.number(),
    lastAttemptAt: z.number().nullable(),
    nextAttemptAt: z.number().nullable(),
    deliveredAt: z.number().nullable(),
    redeliveries: z.number().int(),
    /** When it reached its final status; the evaluator removes it `DELIVERY_LOG_RETENTION` (30 days) later. */
    endedAt: z.number().optional(),
    note: z.string().optional(),
  })
  .meta({ id: 'Delivery' });

export const DeliveryList = z.object({ deliveries: z.array(DeliveryView) }).meta({ id: 'DeliveryList' });
export type DeliveryList = z.infer<typeof DeliveryList>;

export const RedeliverResponse = z
  .object({ id: z.string(), status: z.literal('pending'), redeliveries: z.number().int() })
  .meta({ id: 'RedeliverResponse' });
export type RedeliverResponse = z.infer<typeof RedeliverResponse>;

const IdParams = z.object({
  id: z.string().meta({ description: 'Delivery id: <decisionId>.<action>.<targetIndex>' }),
});

function view(record: z.infer<typeof DeliveryView> & Record<string, unknown>): z.infer<typeof DeliveryView> {
  return DeliveryView.parse(record);
}

/** `GET /api/v1/deliveries[?rollout=]` and `POST /api/v1/deliveries/{id}/redeliver`: the webhook delivery log. */
export function registerDeliveries(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/deliveries',
    summary: 'The webhook delivery log, newest first',
    description:
      "Deliveries that ended (delivered, stopped, gave-up, skipped) are kept for the evaluator's `DELIVERY_LOG_RETENTION` (30 days by default) after they ended; pending and retrying ones until they end.",
    tags: ['deliveries'],
    request: {
      query: z.object({
        rollout: z.string().optional().meta({
          description: "Only this rollout's deliveries, newest first (read from the rollout's own index)",
        }),
        limit: z
          .string()
          .regex(/^\d+$/)
          .optional()
          .meta({ description: 'At most this many (1 to 1000, default 100)' }),
      }),
    },
    responses: {
      200: { description: 'Deliveries', content: { 'application/json': { schema: DeliveryList } } },
      ...errorResponses(),
    },
  });
  deps.openapi.registerPath({
    method: 'post',
    path: '/api/v1/deliveries/{id}/redeliver',
    summary: 'Send a delivery again (a fresh retry chain)',
    tags: ['deliveries'],
    description: 'The reason, if any, and who asked are written to the rollout’s audit log.',
    request: {
      params: IdParams,
      body: { required: false, content: { 'application/json': { schema: ActionBody } } },
    },
    responses: {
      202: { description: 'Queued', content: { 'application/json': { schema: RedeliverResponse } } },
      ...errorResponses(404, 409),
    },
  });

  app.get('/api/v1/deliveries', ...guard(deps, 'read'), async function listDeliveries(c) {
    const rollout = c.req.query('rollout');
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    const records = await deps.deliveries.list(
      rollout === undefined || rollout === '' ? { limit } : { limit, rollout },
    );
    return c.json({ deliveries: records.map((r) => view(r as never)) } satisfies DeliveryList);
  });

  app.post('/api/v1/deliveries/:id/redeliver', ...guard(deps, 'operate'), async function redeliver(c) {
    const id = c.req.param('id');
    const reason = await reasonOf(c);
    const record = await deps.deliveries.get(id);
    if (record === null) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `No delivery "${id}"; GET /api/v1/deliveries lists them`,
      });
    }
    if (!FINAL_STATUSES.includes(record.status)) {
      throw new AppError({
        code: 'CONFLICT',
        message: `Delivery "${id}" is ${record.status}: it is still being tried; redeliver once it has ended (delivered, stopped, gave-up or skipped)`,
      });
    }
    const redeliveries = record.redeliveries + 1;
    const actor = c.get('principal')?.name ?? 'anonymous';
    await deps.deliveries.update(id, {
      status: 'pending',
      firstAttemptAt: null,
      nextAttemptAt: null,
      redeliveries,
      note: `redelivery ${redeliveries} asked for by ${actor}${reason === undefined ? '' : `: ${reason}`}`,
    });
    // The record of who asked for it again and why; it changes no state.
    await deps.store.appendAudit(record.rollout, {
      at: deps.now(),
      kind: 'redelivery',
      actor,
      specVersion: record.specVersion,
      event: { type: 'redeliver', actor, delivery: id, ...(reason === undefined ? {} : { reason }) },
      from: null,
      to: null,
      decisions: [record.decisionId],
      deliveries: [id],
      summary: `${actor} asked for ${record.webhook} delivery ${id} again (redelivery ${redeliveries})${reason === undefined ? '' : `: ${reason}`}`,
    });
    await deps.jobs.redeliver(id, record.rollout, redeliveries);
    return c.json({ id, status: 'pending' as const, redeliveries }, 202);
  });
}
