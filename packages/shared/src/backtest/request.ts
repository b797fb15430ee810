import { z } from 'zod';
import { parseDuration } from '../spec/duration.ts';

/** How far back the collector keeps buckets (its 5 min and 1 h resolutions: 8 days). */
export const COLLECTOR_RETENTION_MS = 8 * 24 * 3_600_000;
/** How far back the collector keeps 10 s buckets; older data is read at 5 min. */
export const COLLECTOR_FINE_RETENTION_MS = 6 * 3_600_000;
/** Evaluations per backtest at most: a bound on the work one request can ask for. */
export const MAX_EVALUATIONS = 200_000;

const instant = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })], {
    error: 'expected a time: unix milliseconds or an ISO 8601 date-time like 2026-12-01T00:00:00Z',
  })
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

const interval = z
  .string({ error: 'expected a duration like "10s" or "1m"' })
  .default('1m')
  .refine((text) => (parseDuration(text)?.ms ?? 0) >= 1000, {
    error: 'expected a duration of at least 1s, like "10s" or "1m"',
  })
  .transform((text) => parseDuration(text)?.ms ?? 0);

export const backtestRequestSchema = z
  .strictObject({
    /** The spec to judge by, as written (YAML or JSON). */
    spec: z.string({ error: 'expected the spec as text (YAML or JSON)' }).min(1),
    from: instant,
    to: instant,
    interval: interval.meta({ description: 'How often guardrails are evaluated. Default 1m.' }),
    source: z
      .discriminatedUnion(
        'kind',
        [
          z.strictObject({
            kind: z.literal('collector'),
            /** The rollout whose recorded data is replayed (the collector keeps data per rollout). */
            rollout: z.string().regex(/^[a-z0-9-]+$/, { error: 'expected a rollout name of [a-z0-9-]' }),
          }),
          z.strictObject({
            kind: z.literal('prometheus'),
            /** Default: the spec's prometheus.url. */
            url: z.url({ error: 'expected an http(s) URL of a Prometheus' }).optional(),
          }),
        ],
        { error: 'expected source { kind: collector, rollout } or { kind: prometheus, url? }' },
      )
      .meta({
        description: "Where the recorded data comes from: a rollout's stored buckets, or a Prometheus.",
      }),
    split: z
      .strictObject({ label: z.string().min(1), treatment: z.string(), control: z.string() })
      .optional()
      .meta({
        description: 'Prometheus only: put series in cohorts by this label (pre-rollout data split in two).',
      }),
    runs: z
      .int({ error: 'expected a whole number of runs from 1 to 100' })
      .min(1, { error: 'expected a whole number of runs from 1 to 100' })
      .max(100, { error: 'expected a whole number of runs from 1 to 100' })
      .default(1)
      .meta({ description: '[from, to) is cut into this many disjoint runs, each replayed as a rollout.' }),
    noRealDifference: z.boolean().optional().meta({
      description:
        'The data has no real difference between cohorts: report the false-rollback rate. Default: true with split.',
    }),
  })
  .superRefine((r, ctx) => {
    if (!(r.from < r.to)) ctx.addIssue({ code: 'custom', path: ['to'], message: `to must be after from` });
    if ((r.to - r.from) / r.interval > MAX_EVALUATIONS) {
      ctx.addIssue({
        code: 'custom',
        path: ['interval'],
        message: `${Math.ceil((r.to - r.from) / r.interval)} evaluations is over the ${MAX_EVALUATIONS} a backtest may run; choose an interval of at least ${Math.ceil((r.to - r.from) / MAX_EVALUATIONS / 1000)}s`,
      });
    }
    if (r.split !== undefined && r.source.kind !== 'prometheus') {
      ctx.addIssue({
        code: 'custom',
        path: ['split'],
        message: 'split reads a Prometheus label; the collector stores data by cohort only',
      });
    }
  });

export type BacktestRequestInput = z.input<typeof backtestRequestSchema>;
export type BacktestRequest = z.output<typeof backtestRequestSchema>;

/**
 * Whether the collector's buckets can answer a backtest asked at `now`: nothing older than their retention,
 * and a note when older data is only kept at 5 min (evaluation intervals below that read coarser data).
 */
export function collectorCoverage(
  request: Pick<BacktestRequest, 'from' | 'interval'>,
  now: number,
): { ok: true; notes: string[] } | { ok: false; message: string } {
  const oldest = now - COLLECTOR_RETENTION_MS;
  if (request.from < oldest) {
    return {
      ok: false,
      message: `the collector keeps recorded data for 8 days (oldest ${new Date(oldest).toISOString()}); from ${new Date(request.from).toISOString()} is older — replay longer histories from a Prometheus (source kind prometheus)`,
    };
  }
  const notes: string[] = [];
  if (request.from < now - COLLECTOR_FINE_RETENTION_MS && request.interval < 300_000) {
    notes.push(
      'data older than 6 hours is kept at 5-minute resolution: windows there are read to the nearest 5 minutes, whatever the evaluation interval',
    );
  }
  return { ok: true, notes };
}
