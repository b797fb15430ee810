import { z } from 'zod';
import { type Duration, positiveDurationText } from './duration.ts';

/** What a check reads: a metric as it arrives, a ratio of two counters, or a PromQL query. */
export type MetricRef =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'ratio'; readonly numerator: string; readonly denominator: string }
  | {
      readonly kind: 'promql';
      readonly query: string;
      /** The label whose value is the cohort (treatment/control) in the query's result. */
      readonly cohortLabel: string;
      readonly interval: Duration;
      /** Base URL of the Prometheus HTTP API, e.g. http://prometheus:9090. */
      readonly url: string;
    };

export const METRIC_HINT =
  'expected a metric name, { ratio: { numerator, denominator } } or { promql: "…", cohortLabel, interval }';

const metricName = z.string({ error: 'expected a metric name' }).regex(/^\S+$/, {
  error: 'expected a metric name without spaces, as it arrives (OTLP name or Prometheus __name__)',
});

export const DEFAULT_PROMQL_INTERVAL = '30s';

export const prometheusUrl = z
  .url({
    protocol: /^https?$/,
    error: 'expected the http(s) URL of a Prometheus, like "http://prometheus:9090"',
  })
  .meta({ description: 'Base URL of the Prometheus HTTP API, e.g. http://prometheus:9090.' });

export const ratioMetricInput = z.strictObject({
  ratio: z.strictObject({
    numerator: metricName.meta({ description: 'Counter whose increase is divided, e.g. errors_total.' }),
    denominator: metricName.meta({ description: 'Counter it is divided by, e.g. requests_total.' }),
  }),
});

export const promqlMetricInput = z.strictObject({
  promql: z
    .string({ error: 'expected a PromQL query' })
    .min(1, { error: 'expected a PromQL query, not an empty string' })
    .meta({ description: 'An instant-vector query; each result series is one cohort.' }),
  cohortLabel: z
    .string({ error: 'expected the name of the label that carries the cohort' })
    .min(1)
    .optional()
    .meta({
      description:
        'Label of the query result whose value is the cohort. Default: the cohort attribute with "." → "_".',
    }),
  interval: positiveDurationText
    .optional()
    .meta({ description: `How often the query is polled. Default: ${DEFAULT_PROMQL_INTERVAL}.` }),
  url: prometheusUrl.optional().meta({ description: 'Prometheus to query. Default: spec.prometheus.url.' }),
});

export const metricInput = z
  .union([metricName, ratioMetricInput, promqlMetricInput], { error: METRIC_HINT })
  .meta({ description: 'A metric name, a ratio of two counters, or a PromQL query.' });

export type MetricInput = z.input<typeof metricInput>;

export function metricKind(metric: MetricInput): MetricRef['kind'] {
  if (typeof metric === 'string') return 'name';
  return 'ratio' in metric ? 'ratio' : 'promql';
}
