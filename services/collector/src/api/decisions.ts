import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams, RolloutName } from './api-schemas.ts';
import { renderDecisionReport } from './decision-report.ts';
import { guard } from './guard.ts';
import { rolloutOr404 } from './lookup.ts';

export const DecisionRecord = z
  .object({
    id: z.string(),
    kind: z.string(),
    outcome: z.string(),
    rollout: z.string(),
    flag: z.string(),
    specVersion: z.number().int(),
    wave: z.object({ index: z.number(), percent: z.number() }).nullable(),
    actor: z.union([
      z.object({ type: z.literal('operator'), name: z.string() }),
      z.object({ type: z.literal('system') }),
    ]),
    reason: z.string(),
    at: z.number(),
    phase: z.object({ from: z.string(), to: z.string() }),
    checks: z.array(z.record(z.string(), z.unknown())).meta({
      description:
        'Evidence per check: value, interval, limit for the wave, samples per cohort, window, rule; `shadow: true` on a shadow check',
    }),
    shadow: z.boolean().meta({
      description:
        'Taken in shadow mode (a shadow rollout, or a shadow check acting): recorded as for real, but no flag turned and no wave moved',
    }),
    owner: z.string().optional().meta({
      description:
        "The rollout's owner when it was decided (spec owner); each check's evidence carries its own",
    }),
    runbook: z.string().optional().meta({ description: "The rollout's runbook URL when it was decided" }),
  })
  .meta({ id: 'Decision' });

export const DecisionList = z
  .object({ name: z.string(), decisions: z.array(DecisionRecord) })
  .meta({ id: 'DecisionList' });
export type DecisionList = z.infer<typeof DecisionList>;

/** HTML when asked by `?format=html`, or when the Accept header prefers text/html (a browser) over JSON. */
function wantsHtml(accept: string | undefined, format: string | undefined): boolean {
  if (format === 'json' || format === 'html') return format === 'html';
  const text = (accept ?? '').toLowerCase();
  const htmlAt = text.indexOf('text/html');
  const jsonAt = text.indexOf('application/json');
  return htmlAt >= 0 && (jsonAt < 0 || htmlAt < jsonAt);
}

/** `GET …/decisions[/{id}]`: verdicts, rollbacks and operator decisions with their evidence; HTML on request. */
export function registerDecisions(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/decisions',
    summary: 'A rollout’s decisions, newest first',
    tags: ['decisions'],
    request: { params: NameParams, query: z.object({ limit: z.string().regex(/^\d+$/).optional() }) },
    responses: {
      200: {
        description: 'Decisions with evidence',
        content: { 'application/json': { schema: DecisionList } },
      },
      ...errorResponses(404),
    },
  });
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/decisions/{id}',
    summary: 'One decision with its evidence; `Accept: text/html` gives a printable report',
    tags: ['decisions'],
    request: { params: z.object({ name: RolloutName, id: z.string() }) },
    responses: {
      200: {
        description: 'The decision',
        content: {
          'application/json': { schema: DecisionRecord },
          'text/html': { schema: { type: 'string', description: 'A readable, printable report' } },
        },
      },
      ...errorResponses(404),
    },
  });

  app.get('/api/v1/rollouts/:name/decisions', ...guard(deps, 'read'), async function listDecisions(c) {
    const name = c.req.param('name');
    await rolloutOr404(deps, name);
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    const decisions = await deps.store.listDecisions(name, { limit });
    return c.json({ name, decisions });
  });

  app.get('/api/v1/rollouts/:name/decisions/:id', ...guard(deps, 'read'), async function getDecision(c) {
    const name = c.req.param('name');
    const id = c.req.param('id');
    await rolloutOr404(deps, name);
    const decision = await deps.store.getDecision(name, id);
    if (decision === null) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `Rollout "${name}" has no decision "${id}"; GET /api/v1/rollouts/${name}/decisions lists them`,
      });
    }
    if (wantsHtml(c.req.header('accept'), c.req.query('format'))) {
      const base = `/api/v1/rollouts/${encodeURIComponent(name)}/decisions`;
      return c.html(
        renderDecisionReport(decision, {
          json: `${base}/${encodeURIComponent(id)}?format=json`,
          rollout: base,
          evidencePack: {
            html: `${base}/${encodeURIComponent(id)}/evidence.html`,
            json: `${base}/${encodeURIComponent(id)}/evidence.json`,
          },
        }),
      );
    }
    return c.json(decision);
  });
}
