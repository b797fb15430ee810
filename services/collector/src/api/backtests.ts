import { randomBytes } from 'node:crypto';
import {
  type BacktestRecord,
  backtestRequestSchema,
  collectorCoverage,
  getBacktest,
  putBacktest,
} from '@rollout-guard/shared/backtest';
import { parseSpec } from '@rollout-guard/shared/spec';
import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, SpecProblemsBody } from './api-schemas.ts';
import { guard } from './guard.ts';
import { problemsBody } from './spec-body.ts';

export const BacktestBody = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'retrying', 'done', 'failed']).meta({
      description:
        'retrying: an attempt failed on something that may pass (Prometheus unreachable, a 5xx, a timeout) and it runs again; error says why',
    }),
    url: z.string(),
    request: z.record(z.string(), z.unknown()),
    createdAt: z.number(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    notes: z.array(z.string()),
    error: z
      .string()
      .nullable()
      .meta({ description: 'Why it failed, or (retrying) why the last attempt did' }),
    attempts: z.number().int().meta({ description: 'Attempts started (a failure that may pass is retried)' }),
    report: z.unknown().meta({
      description:
        'When done: runs (per run its phase, waves with outcome go | no-go | rolled-back | paused | unfinished, the decision that ended each and every decision with its evidence), rollbacks, falseRollbackRate',
    }),
  })
  .meta({ id: 'Backtest' });

const urlOf = (id: string) => `/api/v1/backtests/${id}`;
const view = (record: BacktestRecord) => ({ ...record, url: urlOf(record.id) });

/**
 * `POST /api/v1/backtests` queues a replay of recorded data (a `backtest` job on the evaluators) and answers
 * 202 at once; `GET /api/v1/backtests/{id}` tells where it is and, when done, its report.
 */
export function registerBacktests(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'post',
    path: '/api/v1/backtests',
    summary: 'Replay recorded data through the decision core (runs as a job)',
    tags: ['backtests'],
    request: { body: { required: true, content: { 'application/json': { schema: backtestRequestSchema } } } },
    responses: {
      202: { description: 'Queued; poll its url', content: { 'application/json': { schema: BacktestBody } } },
      400: {
        description: 'The request or its spec has problems, or asks for data the collector no longer keeps',
        content: { 'application/json': { schema: SpecProblemsBody } },
      },
      ...errorResponses(413, 415),
    },
  });
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/backtests/{id}',
    summary: 'A backtest: queued, running, done with its report, or failed with why',
    tags: ['backtests'],
    request: { params: z.object({ id: z.string() }) },
    responses: {
      200: { description: 'The backtest', content: { 'application/json': { schema: BacktestBody } } },
      ...errorResponses(404),
    },
  });

  app.post('/api/v1/backtests', ...guard(deps, 'operate'), async function startBacktest(c) {
    const requestId = c.get('requestId');
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw new AppError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'send the backtest request as application/json: { spec, from, to, interval, source, runs }',
      });
    }
    const body = await c.req.json().catch(() => {
      throw new AppError({ code: 'BAD_REQUEST', message: 'The body is not JSON' });
    });
    const parsed = backtestRequestSchema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return c.json(problemsBody(requestId, problems, 'The backtest request'), 400);
    }
    const request = parsed.data;
    const spec = parseSpec(request.spec);
    if (!spec.ok) return c.json(problemsBody(requestId, spec.problems), 400);
    const notes: string[] = [];
    if (request.source.kind === 'collector') {
      const coverage = collectorCoverage(request, deps.now());
      if (!coverage.ok) throw new AppError({ code: 'BAD_REQUEST', message: coverage.message });
      notes.push(...coverage.notes);
      if ((await deps.store.getSpec(request.source.rollout)) === null) {
        throw new AppError({
          code: 'NOT_FOUND',
          message: `Rollout "${request.source.rollout}" does not exist, so the collector has no data recorded for it`,
        });
      }
    }
    const record: BacktestRecord = {
      id: `bt_${randomBytes(16).toString('hex')}`,
      status: 'queued',
      request,
      createdAt: deps.now(),
      startedAt: null,
      finishedAt: null,
      notes,
      error: null,
      attempts: 0,
      report: null,
    };
    await putBacktest(deps.redis, record);
    await deps.jobs.backtest(record.id);
    return c.json(view(record), 202, { location: urlOf(record.id) });
  });

  app.get('/api/v1/backtests/:id', ...guard(deps, 'read'), async function getBacktestRoute(c) {
    const id = c.req.param('id');
    const record = /^bt_[a-f0-9]{32}$/.test(id) ? await getBacktest(deps.redis, id) : null;
    if (record === null) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `No backtest "${id}" (reports are kept for 7 days); start one with POST /api/v1/backtests`,
      });
    }
    return c.json(view(record));
  });
}
