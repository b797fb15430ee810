import { type PayloadPlan, rolloutMetric, type ValueKind } from './payloads.ts';

/** One payload shape of the remote-write matrix: what every request of its runs looks like. */
export interface Shape {
  /** `default`, or the axis and the value that differ from it (`labels-3`, `senders-16`…). */
  readonly name: string;
  readonly labelsPerSeries: number;
  readonly kind: ValueKind;
  readonly seriesPerRequest: number;
  readonly senders: number;
  /** Share of each request's series a rollout reads: 1 (every series) or 0.01. */
  readonly matchingShare: number;
}

/** The shape the other shapes vary one axis of: what `bench:ingest` measured before the matrix. */
export const DEFAULT_SHAPE: Shape = {
  name: 'default',
  labelsPerSeries: 9,
  kind: 'counter',
  seriesPerRequest: 1_500,
  senders: 4,
  matchingShare: 1,
};

const vary = (name: string, change: Partial<Omit<Shape, 'name'>>): Shape => ({
  ...DEFAULT_SHAPE,
  ...change,
  name,
});

/** One axis at a time around the default shape, not the cross product. */
export const MATRIX: readonly Shape[] = [
  DEFAULT_SHAPE,
  vary('labels-3', { labelsPerSeries: 3 }),
  vary('labels-15', { labelsPerSeries: 15 }),
  vary('gauges', { kind: 'gauge' }),
  vary('histograms', { kind: 'histogram' }),
  vary('series-100', { seriesPerRequest: 100 }),
  vary('series-8000', { seriesPerRequest: 8_000 }),
  vary('senders-1', { senders: 1 }),
  vary('senders-16', { senders: 16 }),
  vary('matching-1pct', { matchingShare: 0.01 }),
];

/**
 * The shapes `BENCH_SHAPES` names: `all` (the matrix), or shape names separated by commas, or `none`.
 * An unknown name is an error that lists the known ones.
 */
export function shapesNamed(text: string): Shape[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.includes('all')) return [...MATRIX];
  if (names.length === 1 && names[0] === 'none') return [];
  return names.map((name) => {
    const shape = MATRIX.find((s) => s.name === name);
    if (shape === undefined) {
      throw new Error(
        `BENCH_SHAPES names "${name}"; expected all, none, or some of ${MATRIX.map((s) => s.name).join(', ')}`,
      );
    }
    return shape;
  });
}

/**
 * Requests per sender in one run of a shape, warm-up not counted: about `samples` samples over all
 * senders, at least 20 requests each (for a p99 worth the name) and at most `most` (every request
 * is a second later than the one before; Prometheus refuses samples an hour older than its newest).
 */
export function measuredRequests(shape: Shape, samples: number, most = 300): number {
  return Math.min(most, Math.max(20, Math.round(samples / (shape.senders * shape.seriesPerRequest))));
}

/** The payload plan of one round of a shape; every round's requests follow the round before's. */
export function shapePlan(
  shape: Shape,
  requestsPerSender: number,
  startMs: number,
  round: number,
): PayloadPlan {
  return {
    scenario: shape.name,
    senders: shape.senders,
    seriesPerRequest: shape.seriesPerRequest,
    requestsPerSender,
    matchingShare: shape.matchingShare,
    startMs,
    firstRequest: round * requestsPerSender,
    labelsPerSeries: shape.labelsPerSeries,
    kind: shape.kind,
    rolloutPerSender: true,
  };
}

/**
 * Sender s's rollout: it reads sender s's counter, gauge and histogram, so every matching series of
 * a run counts for exactly one rollout, and no rollout passes the collector's cap of 20,000 active
 * series (16 senders × 1,500 series, or 4 × 8,000, would in one rollout).
 */
export function senderRolloutSpec(name: string, flag: string, sender: number): string {
  return `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  flag: ${flag}
  waves: [{ percent: 50, bake: 1h }, { percent: 100, bake: 1h }]
  guardrails:
    - { name: request-rate, metric: ${rolloutMetric('counter', sender)}, aggregate: rate, allowed: { max: 1e12 } }
    - { name: queue-depth, metric: ${rolloutMetric('gauge', sender)}, aggregate: mean, allowed: { max: 1e12 } }
    - { name: latency-p99, metric: ${rolloutMetric('histogram', sender)}, aggregate: p99, allowed: { max: 1e12 } }
`;
}
