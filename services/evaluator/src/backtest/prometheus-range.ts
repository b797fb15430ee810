import {
  type Egress,
  EgressRefusedError,
  type EgressResponse,
  ResponseTooLargeError,
  readCapped,
} from '@rollout-guard/shared/egress';
import { describeCause, PromqlError } from '../workers/poll-promql.ts';

/** Prometheus refuses a range query of more than 11,000 points per series; each query asks for at most this. */
export const POINTS_PER_QUERY = 10_000;

export interface RangeLimits {
  /** Largest answer read from one query, in bytes: a runaway answer is cut off, never held. */
  readonly maxResponseBytes: number;
  /** Points one backtest holds at most, over every series of every query. */
  readonly maxPoints: number;
}

/**
 * 32 MiB per answer: 10,000 points of a few dozen series. Two million points: a day at 10 s of a histogram
 * with 20 buckets in two cohorts — about 32 MB held, as two float arrays per series.
 */
export const DEFAULT_RANGE_LIMITS: RangeLimits = { maxResponseBytes: 32 * 1024 * 1024, maxPoints: 2_000_000 };

export interface PrometheusRangeOptions {
  readonly url: string;
  /** The evaluation interval: each point is the increase over one step. */
  readonly stepMs: number;
  /** How requests go out: the egress policy. */
  readonly egress: Pick<Egress, 'fetch'>;
  readonly timeoutMs?: number;
  readonly limits?: RangeLimits;
}

/** One series of a range query: its labels, its point times (ms) and the running total of its values. */
export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly times: Float64Array;
  /** totals[i] is the sum of the values of points 0..i−1 (one longer than `times`). */
  readonly totals: Float64Array;
}

export interface PrometheusRange {
  /** Every point of `query` at the steps ending in (fromMs, toMs], in as many queries as the point limit asks. */
  matrix(query: string, fromMs: number, toMs: number): Promise<RangeSeries[]>;
  /** The metric names among the series `selector` matches between fromMs and toMs. */
  names(selector: string, fromMs: number, toMs: number): Promise<string[]>;
  /** Points held so far. */
  readonly pointsHeld: number;
}

interface ApiBody {
  status?: string;
  error?: string;
  data?: unknown;
}

interface MatrixData {
  resultType?: string;
  result?: Array<{ metric?: Record<string, string>; values?: [number, string][] }>;
}

/**
 * Reads Prometheus range queries within bounds: each answer through the egress policy and read only up to
 * `maxResponseBytes`, long ranges split into queries of at most 10,000 steps, and all the points held by one
 * backtest counted against `maxPoints` — a clear error instead of a heap filled by an unexpected answer.
 */
export function prometheusRange(options: PrometheusRangeOptions): PrometheusRange {
  const limits = options.limits ?? DEFAULT_RANGE_LIMITS;
  const stepSeconds = options.stepMs / 1000;
  const base = options.url.replace(/\/+$/, '');
  let pointsHeld = 0;

  async function get(path: string, params: Record<string, string>): Promise<ApiBody> {
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: EgressResponse;
    let text: string;
    try {
      response = await options.egress.fetch(url, { signal, headers: { accept: 'application/json' } });
      text = (await readCapped(response, limits.maxResponseBytes)).toString('utf8');
    } catch (error) {
      if (error instanceof ResponseTooLargeError) {
        throw new PromqlError(
          `Prometheus at ${url.host} answered more than ${limits.maxResponseBytes} bytes to ${params.query ?? path}; narrow the spec's match or lengthen the interval`,
          'too-large',
        );
      }
      if (error instanceof EgressRefusedError) {
        throw new PromqlError(`Prometheus at ${url.host}: ${error.message}`, 'egress');
      }
      throw new PromqlError(
        signal.aborted
          ? `Prometheus at ${url.host} did not answer within ${timeoutMs} ms`
          : `Prometheus at ${url.host} did not answer: ${describeCause(error)}`,
        signal.aborted ? 'timeout' : 'network',
      );
    }
    let body: ApiBody;
    try {
      body = JSON.parse(text) as ApiBody;
    } catch {
      body = {};
    }
    if (!response.ok || body.status !== 'success') {
      throw new PromqlError(
        `Prometheus at ${url.host} answered ${response.status} to ${params.query ?? path}: ${body.error ?? text.slice(0, 200)}`,
        response.status >= 500 ? 'http' : 'answer',
      );
    }
    return body;
  }

  function hold(points: number, query: string): void {
    pointsHeld += points;
    if (pointsHeld > limits.maxPoints) {
      throw new PromqlError(
        `the backtest would hold more than ${limits.maxPoints} points from Prometheus (reached at ${query}); shorten the range, lengthen the interval or narrow the spec's match`,
        'too-large',
      );
    }
  }

  return {
    get pointsHeld() {
      return pointsHeld;
    },

    async matrix(query, fromMs, toMs) {
      const gathered = new Map<
        string,
        { labels: Record<string, string>; times: number[]; values: number[] }
      >();
      // A point at t is the increase over (t − step, t]: the first ends one step after fromMs.
      for (let start = fromMs + options.stepMs; start <= toMs; start += POINTS_PER_QUERY * options.stepMs) {
        const end = Math.min(toMs, start + (POINTS_PER_QUERY - 1) * options.stepMs);
        const body = await get('/api/v1/query_range', {
          query,
          start: String(start / 1000),
          end: String(end / 1000),
          step: `${stepSeconds}s`,
        });
        const data = body.data as MatrixData | undefined;
        if (data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
          throw new PromqlError(
            `Prometheus answered ${query} with a ${data?.resultType ?? 'missing'} result, not a matrix`,
            'answer',
          );
        }
        for (const series of data.result) {
          const labels = series.metric ?? {};
          const values = series.values ?? [];
          hold(values.length, query);
          const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
          const entry = gathered.get(key) ?? { labels, times: [], values: [] };
          for (const [at, value] of values) {
            const number = Number(value);
            if (!Number.isFinite(number)) continue;
            entry.times.push(at * 1000);
            entry.values.push(number);
          }
          gathered.set(key, entry);
        }
      }
      return [...gathered.values()].map(({ labels, times, values }) => {
        const totals = new Float64Array(values.length + 1);
        values.forEach((value, i) => {
          totals[i + 1] = totals[i]! + value;
        });
        return { labels, times: Float64Array.from(times), totals };
      });
    },

    async names(selector, fromMs, toMs) {
      const body = await get('/api/v1/label/__name__/values', {
        'match[]': selector,
        start: String(fromMs / 1000),
        end: String(toMs / 1000),
      });
      return Array.isArray(body.data) ? body.data.filter((n): n is string => typeof n === 'string') : [];
    },
  };
}

/** The sum of a series' points at times in (fromMs, toMs], or null when it has none there. */
export function sumBetween(series: RangeSeries, fromMs: number, toMs: number): number | null {
  const first = firstAfter(series.times, fromMs);
  const last = firstAfter(series.times, toMs);
  if (last <= first) return null;
  return series.totals[last]! - series.totals[first]!;
}

/** Index of the first time > at (times are sorted). */
function firstAfter(times: Float64Array, at: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! > at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
