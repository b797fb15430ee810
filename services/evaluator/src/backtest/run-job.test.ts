import { randomBytes } from 'node:crypto';
import {
  type BacktestRecord,
  backtestRequestSchema,
  getBacktest,
  putBacktest,
} from '@rollout-guard/shared/backtest';
import { freePort, startPrometheus, type TestPrometheus } from '@rollout-guard/shared/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { useEvaluatorTestBed } from '../evaluator-test-kit.ts';
import { scenarioSpecInput, stepBreachOpenMetrics } from './spec-fixture.ts';

const MINUTE = 60_000;
const START = Math.floor((Date.now() - 3 * 60 * MINUTE) / MINUTE) * MINUTE;
const BREACH_AT = START + 40 * MINUTE;

const openmetrics = () => stepBreachOpenMetrics(START, BREACH_AT);

/** The spec as a user sends it (JSON is YAML too). */
function specText(guardrail: object): string {
  return JSON.stringify(scenarioSpecInput('retried-backtest', null, ['30m', '30m'], [guardrail]));
}

const ERRORS = {
  name: 'errors',
  metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
  compare: 'control',
  allowed: { max: 0.01 },
};

function queued(spec: string, url: string): BacktestRecord {
  return {
    id: `bt_${randomBytes(16).toString('hex')}`,
    status: 'queued',
    request: backtestRequestSchema.parse({
      spec,
      from: START,
      to: START + 120 * MINUTE,
      interval: '1m',
      runs: 2,
      source: { kind: 'prometheus', url },
    }),
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    notes: ['asked for by a test'],
    error: null,
    attempts: 0,
    report: null,
  };
}

const bed = useEvaluatorTestBed();
let prometheus: TestPrometheus | undefined;
afterEach(async () => {
  await prometheus?.stop();
  prometheus = undefined;
});

const statusOf = async (id: string) => (await getBacktest(bed.redis, id))?.status;

describe('the backtest job under the catalog’s retry policy', () => {
  it('retries while Prometheus is down, then reports once, nothing counted twice', async () => {
    const port = await freePort();
    const evaluator = await bed.startEvaluator();
    const record = queued(specText(ERRORS), `http://127.0.0.1:${port}`);
    await putBacktest(bed.redis, record);
    await evaluator.ctx.queues.backtest.add('backtest', { id: record.id }, { jobId: record.id });

    await expect.poll(() => statusOf(record.id), { timeout: 20_000, interval: 100 }).toBe('retrying');
    const retrying = await getBacktest(bed.redis, record.id);
    expect(retrying).toMatchObject({ attempts: 1, finishedAt: null, report: null });
    expect(retrying!.error).toContain(`Prometheus at 127.0.0.1:${port} did not answer`);

    prometheus = await startPrometheus({ openmetrics: openmetrics(), port });
    await expect.poll(() => statusOf(record.id), { timeout: 60_000, interval: 250 }).toBe('done');
    const done = await getBacktest(bed.redis, record.id);
    expect(done).toMatchObject({ attempts: 2, error: null, notes: ['asked for by a test'] });
    const report = done!.report as {
      runs: Array<{ phase: string; waves: Array<{ outcome: string; endedAt: number }> }>;
      rollbacks: number;
    };
    // Two runs of an hour each, as asked, once: both roll back, the first in its second wave after the breach.
    expect(report.runs.map((r) => r.phase)).toEqual(['rolled-back', 'rolled-back']);
    expect(report.rollbacks).toBe(2);
    expect(report.runs[0]!.waves.map((w) => w.outcome)).toEqual(['go', 'rolled-back']);
    expect(report.runs[0]!.waves[1]!.endedAt).toBeGreaterThan(BREACH_AT);
    const job = await evaluator.ctx.queues.backtest.getJob(record.id);
    expect(await job?.getState()).toBe('completed');
    expect(job?.attemptsMade).toBe(2);
  }, 120_000);

  it('marks a backtest it can never run failed at once with why, without retrying', async () => {
    prometheus = await startPrometheus({ openmetrics: openmetrics() });
    const evaluator = await bed.startEvaluator();
    const record = queued(
      specText({ name: 'peak-requests', metric: 'requests_total', aggregate: 'max', allowed: { max: 10 } }),
      prometheus.url,
    );
    await putBacktest(bed.redis, record);
    await evaluator.ctx.queues.backtest.add('backtest', { id: record.id }, { jobId: record.id });

    await expect.poll(() => statusOf(record.id), { timeout: 20_000, interval: 100 }).toBe('failed');
    const failed = await getBacktest(bed.redis, record.id);
    expect(failed).toMatchObject({ attempts: 1, report: null });
    expect(failed!.error).toMatch(
      /^these checks cannot be replayed from Prometheus: peak-requests: aggregate max needs every observation/,
    );
    const job = await evaluator.ctx.queues.backtest.getJob(record.id);
    await expect.poll(() => job?.getState()).toBe('failed');
    expect((await evaluator.ctx.queues.backtest.getJob(record.id))?.attemptsMade).toBe(1);
  }, 60_000);

  it('holds a backtest to the evaluator’s limits (BACKTEST_MAX_POINTS), failing it with how to narrow it', async () => {
    prometheus = await startPrometheus({ openmetrics: openmetrics() });
    const evaluator = await bed.startEvaluator({
      backtestLimits: { maxResponseBytes: 32 * 1024 * 1024, maxPoints: 50 },
    });
    const record = queued(specText(ERRORS), prometheus.url);
    await putBacktest(bed.redis, record);
    await evaluator.ctx.queues.backtest.add('backtest', { id: record.id }, { jobId: record.id });

    await expect.poll(() => statusOf(record.id), { timeout: 20_000, interval: 100 }).toBe('failed');
    const failed = await getBacktest(bed.redis, record.id);
    expect(failed).toMatchObject({ attempts: 1, report: null });
    expect(failed!.error).toMatch(/would hold more than 50 points from Prometheus .*shorten the range/);
  }, 60_000);
});
