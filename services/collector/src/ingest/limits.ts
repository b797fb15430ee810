import type { Point } from '../protocols/point.ts';

/** What one request may carry. Over-limit points are refused and reported, never silently lost. */
export interface IngestLimits {
  /** Body size as sent (compressed) in bytes; over it the request is answered 413. */
  readonly maxRequestBytes: number;
  /** Body size once decompressed, in bytes; over it 413 (a bound against decompression bombs). */
  readonly maxDecodedBytes: number;
  /** Bytes of bodies, as read and decompressed, held at once across all requests in flight. */
  readonly decodeBudgetBytes: number;
  /** How long reading one body may take; past it 408. */
  readonly bodyReadMs: number;
  /** Distinct series in one request; points of further series are refused. */
  readonly maxSeriesPerRequest: number;
  readonly maxLabelsPerSeries: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  /** Active series per rollout (the cardinality cap, enforced in the ingest script). */
  readonly maxActiveSeriesPerRollout: number;
  /** Points older than this are refused: the buckets that would hold them are gone or going. */
  readonly maxPastMs: number;
  /** Points further ahead than this are refused: a clock that far off would skew every window. */
  readonly maxFutureMs: number;
  /** Replicas that must confirm a batch's writes (WAIT) before it is acknowledged; 0 or absent: none. */
  readonly waitReplicas?: number;
  /** How long WAIT may take; fewer replicas by then answers 503 (the sender's retry counts once). */
  readonly waitTimeoutMs?: number;
  /**
   * Points (ops) one ingest script call carries, about: a rollout's part of a larger batch is stored in
   * several calls, two at most in flight (`runIngestCalls`). Absent: `DEFAULT_MAX_POINTS_PER_CALL`.
   */
  readonly maxPointsPerCall?: number;
}

/** See `IngestLimits.maxPointsPerCall`: a call of 2,000 series holds Redis for about 2 ms (8,000: 6–15 ms). */
export const DEFAULT_MAX_POINTS_PER_CALL = 2000;

export const DEFAULT_LIMITS: IngestLimits = {
  maxRequestBytes: 8 * 1024 * 1024,
  maxDecodedBytes: 64 * 1024 * 1024,
  decodeBudgetBytes: 32 * 1024 * 1024,
  bodyReadMs: 10_000,
  maxSeriesPerRequest: 50_000,
  maxLabelsPerSeries: 64,
  maxLabelNameLength: 256,
  maxLabelValueLength: 2048,
  maxActiveSeriesPerRollout: 20_000,
  maxPastMs: 6 * 3600_000,
  maxFutureMs: 10 * 60_000,
};

export interface Refusal {
  readonly reason: string;
  readonly count: number;
  readonly example: string;
}

/** Counts refusals by reason, keeping the first example of each. */
export class Refusals {
  readonly #byReason = new Map<string, { count: number; example: string }>();
  total = 0;

  add(reason: string, example: string, count = 1): void {
    const seen = this.#byReason.get(reason);
    if (seen) seen.count += count;
    else this.#byReason.set(reason, { count, example });
    this.total += count;
  }

  list(): Refusal[] {
    return [...this.#byReason].map(([reason, r]) => ({ reason, count: r.count, example: r.example }));
  }
}

/** Why a point is refused by the per-point limits, or null when it is within them. */
export function pointLimitViolation(point: Point, limits: IngestLimits, nowMs: number): string | null {
  return labelLimitViolation(point.attributes, limits) ?? timeLimitViolation(point.timeMs, limits, nowMs);
}

/** The checks on a series' labels alone: the same for every point of the series. */
export function labelLimitViolation(attributes: Point['attributes'], limits: IngestLimits): string | null {
  const names = Object.keys(attributes);
  if (names.length > limits.maxLabelsPerSeries) {
    return `more than ${limits.maxLabelsPerSeries} labels on one series`;
  }
  for (const name of names) {
    if (name.length > limits.maxLabelNameLength) {
      return `label name longer than ${limits.maxLabelNameLength} characters`;
    }
    if ((attributes[name]?.length ?? 0) > limits.maxLabelValueLength) {
      return `label value longer than ${limits.maxLabelValueLength} characters`;
    }
  }
  return null;
}

/** The checks on a point's time. */
export function timeLimitViolation(timeMs: number, limits: IngestLimits, nowMs: number): string | null {
  if (timeMs < nowMs - limits.maxPastMs) {
    return `timestamp more than ${Math.round(limits.maxPastMs / 60_000)} minutes in the past`;
  }
  if (timeMs > nowMs + limits.maxFutureMs) {
    return `timestamp more than ${Math.round(limits.maxFutureMs / 60_000)} minutes in the future`;
  }
  return null;
}

/** Where a person finds a point: its metric and a few of its labels. */
export function describePoint(point: Point): string {
  const labels = Object.entries(point.attributes)
    .slice(0, 4)
    .map(([k, v]) => `${k}="${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`)
    .join(',');
  const time =
    Math.abs(point.timeMs) <= 8.64e15 ? new Date(point.timeMs).toISOString() : `${point.timeMs} ms`;
  return `${point.name}{${labels}} at ${time}`;
}

/** The limits the collector's environment sets (INGEST_*). */
export function limitsFromEnv(env: {
  readonly INGEST_MAX_BODY_BYTES: number;
  readonly INGEST_MAX_DECOMPRESSED_BYTES: number;
  readonly INGEST_DECODE_BUDGET_BYTES: number;
  readonly INGEST_BODY_TIMEOUT_MS: number;
  readonly INGEST_WAIT_REPLICAS?: number;
  readonly INGEST_WAIT_TIMEOUT_MS?: number;
  readonly INGEST_CALL_MAX_POINTS?: number;
}): IngestLimits {
  return {
    ...DEFAULT_LIMITS,
    maxRequestBytes: env.INGEST_MAX_BODY_BYTES,
    maxDecodedBytes: env.INGEST_MAX_DECOMPRESSED_BYTES,
    decodeBudgetBytes: env.INGEST_DECODE_BUDGET_BYTES,
    bodyReadMs: env.INGEST_BODY_TIMEOUT_MS,
    ...(env.INGEST_WAIT_REPLICAS === undefined ? {} : { waitReplicas: env.INGEST_WAIT_REPLICAS }),
    ...(env.INGEST_WAIT_TIMEOUT_MS === undefined ? {} : { waitTimeoutMs: env.INGEST_WAIT_TIMEOUT_MS }),
    ...(env.INGEST_CALL_MAX_POINTS === undefined ? {} : { maxPointsPerCall: env.INGEST_CALL_MAX_POINTS }),
  };
}
