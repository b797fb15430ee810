import { z } from 'zod';
import { type Duration, durationOf, parseDuration, positiveDurationText } from './duration.ts';
import { headersInput, parseSecret, type Secret } from './secret.ts';

export const SCRAPE_FORMATS = ['auto', 'prometheus', 'openmetrics'] as const;
export type ScrapeFormat = (typeof SCRAPE_FORMATS)[number];

export const DEFAULT_SCRAPE_INTERVAL = '15s';
export const DEFAULT_SCRAPE_TIMEOUT = '10s';

/** A Prometheus / OpenMetrics endpoint the collector pulls, with every default applied. */
export interface ScrapeTarget {
  readonly url: string;
  readonly interval: Duration;
  /** Shorter than the interval, so one scrape ends before the next is due. */
  readonly timeout: Duration;
  /** Sent with every scrape; a value `env:NAME` is read from the collector's environment. */
  readonly headers: Readonly<Record<string, Secret>>;
  /** `auto`: parse by the response's Content-Type; otherwise ask for and parse that format. */
  readonly format: ScrapeFormat;
}

const scrapeHeaders = headersInput.optional().meta({
  description:
    'HTTP headers sent with every scrape; a value "env:NAME" is read from the collector\'s environment.',
});

/** One scrape target as written, in a rollout's `spec.scrape` or the collector's SCRAPE_CONFIG file. */
export const scrapeTargetInput = z
  .strictObject({
    url: z
      .url({
        protocol: /^https?$/,
        error: 'expected the http(s) URL of a metrics endpoint, like "http://checkout:9464/metrics"',
      })
      .meta({ description: 'The Prometheus / OpenMetrics endpoint, e.g. http://checkout:9464/metrics.' }),
    interval: positiveDurationText
      .optional()
      .meta({ description: `How often it is scraped. Default: ${DEFAULT_SCRAPE_INTERVAL}.` }),
    timeout: positiveDurationText.optional().meta({
      description: `How long one scrape may take; shorter than the interval. Default: ${DEFAULT_SCRAPE_TIMEOUT}, or half the interval when that is shorter.`,
    }),
    headers: scrapeHeaders,
    format: z.enum(SCRAPE_FORMATS, { error: 'expected auto, prometheus or openmetrics' }).optional().meta({
      description:
        'auto (default): ask for OpenMetrics or the 0.0.4 text format and parse what the Content-Type says; prometheus or openmetrics: that format only.',
    }),
  })
  .superRefine((target, ctx) => {
    if (target.timeout === undefined) return;
    const interval = parseDuration(target.interval ?? DEFAULT_SCRAPE_INTERVAL)?.ms;
    const timeout = parseDuration(target.timeout)?.ms;
    if (interval === undefined || timeout === undefined || timeout < interval) return;
    ctx.addIssue({
      code: 'custom',
      path: ['timeout'],
      message: `expected a timeout shorter than the interval (${target.interval ?? `${DEFAULT_SCRAPE_INTERVAL}, the default`}), so one scrape ends before the next is due`,
    });
  })
  .meta({ description: 'A Prometheus / OpenMetrics endpoint pulled at an interval.' });

export type ScrapeTargetInput = z.input<typeof scrapeTargetInput>;

export const scrapeListInput = z
  .array(scrapeTargetInput, {
    error: 'expected a list of scrape targets, like [{ url: "http://…/metrics" }]',
  })
  .default([])
  .meta({
    description: 'Prometheus / OpenMetrics endpoints the collector pulls while the rollout is active.',
  });

/** The collector's global scrape file (SCRAPE_CONFIG): targets scraped whatever rollouts are active. */
export const scrapeConfigSchema = z
  .strictObject({ scrape: scrapeListInput })
  .meta({ title: 'rollout-guard scrape config', description: 'Targets every collector scrapes.' });

function duration(text: string): Duration {
  const parsed = parseDuration(text);
  // The schema validated every duration before resolving; reaching this is a bug.
  if (!parsed) throw new Error(`unparsed duration "${text}" reached scrape target resolution`);
  return parsed;
}

export function resolveScrapeTarget(input: z.output<typeof scrapeTargetInput>): ScrapeTarget {
  const interval = duration(input.interval ?? DEFAULT_SCRAPE_INTERVAL);
  const defaultTimeout = duration(DEFAULT_SCRAPE_TIMEOUT);
  const timeout =
    input.timeout !== undefined
      ? duration(input.timeout)
      : defaultTimeout.ms < interval.ms
        ? defaultTimeout
        : durationOf(Math.ceil(interval.ms / 2));
  return {
    url: input.url,
    interval,
    timeout,
    headers: Object.fromEntries(
      Object.entries(input.headers ?? {}).map(([name, value]) => [name, parseSecret(value)]),
    ),
    format: input.format ?? 'auto',
  };
}
