// One OTLP/JSON export for the end-to-end suites, as an OpenTelemetry SDK with delta temporality sends it.

const nanos = (ms: number) => `${ms}000000`;
const variant = (value: string) => [{ key: 'feature_flag.result.variant', value: { stringValue: value } }];

/** One OTLP/JSON export: delta counters of requests and errors and a delta latency histogram, per cohort. */
export function otlpBatch(
  cohorts: Record<string, { requests: number; errors: number; latencyMean?: number }>,
) {
  const now = Date.now();
  const point = (cohort: string) => ({
    attributes: variant(cohort),
    startTimeUnixNano: nanos(now - 1000),
    timeUnixNano: nanos(now),
  });
  const entries = Object.entries(cohorts);
  const sum = (name: string, pick: (c: { requests: number; errors: number }) => number) => ({
    name,
    sum: {
      aggregationTemporality: 1,
      isMonotonic: true,
      dataPoints: entries.map(([cohort, c]) => ({ ...point(cohort), asInt: String(pick(c)) })),
    },
  });
  const latency = {
    name: 'latency_seconds',
    histogram: {
      aggregationTemporality: 1,
      dataPoints: entries
        .filter(([, c]) => c.latencyMean !== undefined)
        .map(([cohort, c]) => ({
          ...point(cohort),
          count: '1000',
          sum: 1000 * (c.latencyMean ?? 0),
          bucketCounts: ['0', '1000', '0'],
          explicitBounds: [0.1, 5],
        })),
    },
  };
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeMetrics: [
          {
            metrics: [
              sum('requests_total', (c) => c.requests),
              sum('errors_total', (c) => c.errors),
              ...(latency.histogram.dataPoints.length > 0 ? [latency] : []),
            ],
          },
        ],
      },
    ],
  };
}
