import { allChecks, parseDuration } from '@rollout-guard/shared/spec';
import { keptRange, readCohortStats } from '@rollout-guard/shared/store';
import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, IntervalPair, RolloutName } from './api-schemas.ts';
import { guard } from './guard.ts';
import { rolloutOr404 } from './lookup.ts';
import { type ReadRange, seriesPoints } from './series-points.ts';

const MAX_POINTS = 500;

const CohortPoint = z.object({
  samples: z.number(),
  value: z.number().nullable(),
  interval: IntervalPair.nullable(),
});

export const SeriesResponse = z
  .object({
    name: z.string(),
    check: z.string(),
    compare: z.enum(['absolute', 'baseline', 'control']),
    window: z.string(),
    from: z.number(),
    to: z.number(),
    step: z.number().meta({ description: 'Milliseconds between points' }),
    points: z.array(
      z.object({
        t: z.number(),
        from: z.number(),
        cohorts: z.record(z.string(), CohortPoint),
        difference: z.object({ absolute: CohortPoint, relative: CohortPoint }).optional(),
      }),
    ),
  })
  .meta({ id: 'Series' });
export type SeriesResponse = z.infer<typeof SeriesResponse>;

function instant(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `${name}="${value}" is not a time; expected epoch milliseconds or an ISO 8601 date like 2026-11-21T10:00:00Z`,
    });
  }
  return ms;
}

function stepOf(value: string | undefined, span: number): number {
  if (value === undefined || value === '') return Math.max(10_000, Math.ceil(span / 60 / 10_000) * 10_000);
  const parsed = /^\d+$/.test(value) ? { ok: true as const, ms: Number(value) } : parseDurationMs(value);
  if (!parsed.ok || parsed.ms < 1000) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `step="${value}" is not a step; expected a duration of at least 1s like 30s, 5m, 1h (or milliseconds)`,
    });
  }
  return parsed.ms;
}

function parseDurationMs(text: string): { ok: true; ms: number } | { ok: false } {
  const result = parseDuration(text);
  return result === undefined ? { ok: false } : { ok: true, ms: result.ms };
}

/** `GET …/series?check=&from=&to=&step=`: a check's values and intervals over time, per cohort, for charts. */
export function registerSeries(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/series',
    summary: 'A check’s values and intervals over time, per cohort',
    tags: ['rollouts'],
    request: {
      params: z.object({ name: RolloutName }),
      query: z.object({
        check: z.string().meta({ description: 'A guardrail or success criterion name' }),
        from: z
          .string()
          .optional()
          .meta({ description: 'Epoch ms or ISO date; default: the wave’s start or an hour ago' }),
        to: z
          .string()
          .optional()
          .meta({ description: 'Epoch ms or ISO date; default: now. Clamped to what is stored (8 d back)' }),
        step: z
          .string()
          .optional()
          .meta({ description: 'Duration (30s, 5m) or ms; default: about 60 points' }),
      }),
    },
    responses: {
      200: { description: 'Points', content: { 'application/json': { schema: SeriesResponse } } },
      ...errorResponses(400, 404),
    },
  });

  app.get('/api/v1/rollouts/:name/series', ...guard(deps, 'read'), async function series(c) {
    const name = c.req.param('name');
    const { state } = await rolloutOr404(deps, name);
    const checkName = c.req.query('check') ?? '';
    const checks = allChecks(state.state.spec);
    const check = checks.find((ch) => ch.name === checkName);
    if (check === undefined) {
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `check="${checkName}" is not a check of rollout "${name}"; expected one of ${checks.map((ch) => ch.name).join(', ')}`,
      });
    }
    if (check.metric.kind === 'promql') {
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `check "${checkName}" reads PromQL; its history lives in that Prometheus, not in rollout-guard's buckets`,
      });
    }
    const now = deps.now();
    const waveStart = state.state.history.at(-1)?.startedAt;
    const askedTo = instant(c.req.query('to'), 'to', now);
    const askedFrom = instant(c.req.query('from'), 'from', waveStart ?? askedTo - 3_600_000);
    if (!(askedFrom < askedTo)) {
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `from (${askedFrom}) must be before to (${askedTo})`,
      });
    }
    // Nothing is stored outside the kept range: clamping to it bounds the work whatever was asked.
    const kept = keptRange(now);
    const to = Math.min(askedTo, kept.toMs);
    const from = Math.max(askedFrom, kept.fromMs);
    const about = {
      name,
      check: check.name,
      compare: check.compare,
      window: check.window === 'wave' ? 'wave' : check.window.text,
    };
    if (!(from < to)) {
      const step = stepOf(c.req.query('step'), askedTo - askedFrom);
      return c.json({ ...about, from: askedFrom, to: askedTo, step, points: [] } satisfies SeriesResponse);
    }
    const step = stepOf(c.req.query('step'), to - from);
    if ((to - from) / step > MAX_POINTS) {
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `from..to with step ${step} ms gives ${Math.ceil((to - from) / step)} points; at most ${MAX_POINTS}: use a larger step`,
      });
    }
    const read: ReadRange = (metric, cohort, fromMs, toMs, wanted) =>
      readCohortStats(
        deps.redis,
        {
          rollout: name,
          metric,
          cohort,
          window: cohort === 'baseline' ? { kind: 'baseline' } : { kind: 'range', fromMs, toMs },
          nowMs: now,
        },
        wanted,
      );
    const points = await seriesPoints(read, {
      check,
      from,
      to,
      step,
      ...(waveStart === undefined ? {} : { cumulativeFrom: waveStart }),
    });
    return c.json({
      ...about,
      from,
      to,
      step,
      points: points.map((p) => ({
        ...p,
        cohorts: p.cohorts as Record<string, z.infer<typeof CohortPoint>>,
      })),
    } as SeriesResponse);
  });
}
