import {
  type Egress,
  EgressRefusedError,
  type EgressResponse,
  ResponseTooLargeError,
  readCapped,
} from '@rollout-guard/shared/egress';
import type { JobPayload } from '@rollout-guard/shared/jobs';
import { pollPromqlSchedulerId } from '@rollout-guard/shared/jobs';
import { rolloutKeys } from '@rollout-guard/shared/redis';
import type { Check } from '@rollout-guard/shared/spec';
import { metricKeyPart } from '@rollout-guard/shared/store';
import type { PromqlValue, PromqlValues } from '../measure/promql-measurement.ts';
import type { WorkerContext } from './context.ts';

/** At most this long per query, and never longer than the check's interval. */
export const PROMQL_TIMEOUT_MS = 10_000;

export class PromqlError extends Error {
  override name = 'PromqlError';
  constructor(
    message: string,
    readonly reason: 'timeout' | 'http' | 'network' | 'answer' | 'too-large' | 'egress',
  ) {
    super(message);
  }
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromqlQuery {
  /** Every query goes through the egress policy. */
  egress: Egress;
  timeoutMs: number;
  /** Largest answer read, in bytes. */
  maxBytes: number;
}

/** Runs an instant query against Prometheus' HTTP API (`GET /api/v1/query`) and returns its vector. */
export async function queryPrometheus(
  baseUrl: string,
  query: string,
  options: PromqlQuery,
): Promise<VectorSample[]> {
  const { egress, timeoutMs, maxBytes } = options;
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/api/v1/query`);
  url.searchParams.set('query', query);
  const signal = AbortSignal.timeout(timeoutMs);
  let text: string;
  let response: EgressResponse;
  try {
    response = await egress.fetch(url, { signal, headers: { accept: 'application/json' } });
    text = (await readCapped(response, maxBytes)).toString('utf8');
  } catch (error) {
    if (error instanceof EgressRefusedError) {
      throw new PromqlError(`Prometheus at ${url.host}: ${error.message}`, 'egress');
    }
    if (error instanceof ResponseTooLargeError) {
      throw new PromqlError(
        `Prometheus at ${url.host} answered more than ${maxBytes} bytes (PROMQL_MAX_RESPONSE_BYTES); the query must return one series per cohort`,
        'too-large',
      );
    }
    const timedOut = signal.aborted;
    throw new PromqlError(
      timedOut
        ? `Prometheus at ${url.host} did not answer within ${timeoutMs} ms`
        : `Prometheus at ${url.host} unreachable: ${describeCause(error)}`,
      timedOut ? 'timeout' : 'network',
    );
  }
  if (!response.ok) {
    throw new PromqlError(
      `Prometheus at ${url.host} answered ${response.status}: ${text.slice(0, 200)}`,
      'http',
    );
  }
  let body: { status?: string; data?: { resultType?: string; result?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    throw new PromqlError(`Prometheus at ${url.host} answered something that is not JSON`, 'answer');
  }
  if (body.status !== 'success' || body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
    throw new PromqlError(
      `expected an instant vector from Prometheus at ${url.host}, got status ${body.status} and result type ${body.data?.resultType}; the query must return one series per cohort`,
      'answer',
    );
  }
  return body.data.result as VectorSample[];
}

/** What a failed fetch says, with the socket's reason (ECONNREFUSED…) when it has one. */
export function describeCause(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  const message = (error as Error).message;
  return cause?.message ? `${message}: ${cause.code ?? cause.message}` : message;
}

/** Picks each cohort's value out of the query's series by the cohort label. */
export function cohortValues(
  samples: readonly VectorSample[],
  cohortLabel: string,
  cohorts: { treatment: string; control: string },
): PromqlValues {
  const values: { treatment?: PromqlValue; control?: PromqlValue } = {};
  for (const sample of samples) {
    const label = sample.metric[cohortLabel];
    const value = Number(sample.value[1]);
    if (!Number.isFinite(value)) continue;
    const point = { value, at: Math.round(sample.value[0] * 1000) };
    if (label === cohorts.treatment) values.treatment = point;
    else if (label === cohorts.control) values.control = point;
  }
  return values;
}

function promqlChecks(checks: readonly Check[]) {
  return checks.filter((check) => check.metric.kind === 'promql');
}

/**
 * One poll of one PromQL check. An error is counted and logged and leaves the last values to go stale:
 * a Prometheus that is down is no data, never a breach.
 */
export async function pollPromql(ctx: WorkerContext, payload: JobPayload<'poll-promql'>): Promise<void> {
  const stored = await ctx.store.getState(payload.rollout);
  if (stored === null) return;
  const { spec } = stored.state;
  const check = promqlChecks([...spec.spec.guardrails, ...spec.spec.successCriteria]).find(
    (c) => c.name === payload.check,
  );
  if (check === undefined || check.metric.kind !== 'promql') return;
  const { query, cohortLabel, interval, url } = check.metric;
  try {
    const samples = await queryPrometheus(url, query, {
      egress: ctx.egress,
      timeoutMs: Math.min(PROMQL_TIMEOUT_MS, interval.ms),
      maxBytes: ctx.promqlMaxResponseBytes,
    });
    const values = cohortValues(samples, cohortLabel, spec.spec.cohorts);
    const key = rolloutKeys(payload.rollout).promqlValues(metricKeyPart(check.name));
    const fields = Object.entries(values).flatMap(([cohort, value]) => [cohort, JSON.stringify(value)]);
    if (fields.length > 0) {
      await ctx.redis.hset(key, ...fields);
      await ctx.redis.pexpire(key, interval.ms * 10);
    }
  } catch (error) {
    if (!(error instanceof PromqlError)) throw error;
    ctx.metrics.promqlErrors.inc({ reason: error.reason });
    ctx.log.warn({ rollout: payload.rollout, check: check.name, reason: error.reason }, error.message);
  }
}

/** Reads a PromQL check's latest stored values. */
export async function readPromqlValues(
  ctx: WorkerContext,
  rollout: string,
  check: string,
): Promise<PromqlValues> {
  const fields = await ctx.redis.hgetall(rolloutKeys(rollout).promqlValues(metricKeyPart(check)));
  const parse = (text: string | undefined) =>
    text === undefined ? undefined : (JSON.parse(text) as PromqlValue);
  const treatment = parse(fields.treatment);
  const control = parse(fields.control);
  return { ...(treatment === undefined ? {} : { treatment }), ...(control === undefined ? {} : { control }) };
}

/**
 * Keeps one BullMQ job scheduler per PromQL check of each active rollout (repeating at the check's
 * interval) and removes the schedulers of rollouts that ended or checks that went away.
 */
export async function syncPromqlSchedulers(ctx: WorkerContext): Promise<void> {
  const wanted = new Map<string, { rollout: string; check: string; every: number }>();
  for (const active of await ctx.store.listActive()) {
    const stored = await ctx.store.getState(active.name);
    if (stored === null) continue;
    const { spec } = stored.state;
    for (const check of promqlChecks([...spec.spec.guardrails, ...spec.spec.successCriteria])) {
      if (check.metric.kind !== 'promql') continue;
      wanted.set(pollPromqlSchedulerId(active.name, check.name), {
        rollout: active.name,
        check: check.name,
        every: check.metric.interval.ms,
      });
    }
  }
  const queue = ctx.queues['poll-promql'];
  const existing = await queue.getJobSchedulers(0, -1);
  for (const scheduler of existing) {
    const want = wanted.get(scheduler.key);
    if (want === undefined) await queue.removeJobScheduler(scheduler.key);
    else if (Number(scheduler.every) === want.every) wanted.delete(scheduler.key);
  }
  for (const [id, want] of wanted) {
    // BullMQ types a scheduler id like the queue's job names; here ids are per check, so it is widened.
    await queue.upsertJobScheduler(
      id as 'poll-promql',
      { every: want.every },
      { name: 'poll-promql' as const, data: { rollout: want.rollout, check: want.check } },
    );
  }
}
