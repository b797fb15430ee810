import { type BacktestRecord, getBacktest, putBacktest } from '@rollout-guard/shared/backtest';
import type { JobPayload } from '@rollout-guard/shared/jobs';
import { formatProblems, parseSpec } from '@rollout-guard/shared/spec';
import { UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../workers/context.ts';
import { runBacktest } from './backtest.ts';
import { collectorSource } from './collector-source.ts';
import { BacktestInputError, prometheusSource, prometheusUnsupported } from './prometheus-source.ts';
import type { BacktestSource } from './replay.ts';

/**
 * The `backtest` job: runs the replay the record asks for and stores its report, or the reason it could not
 * run. The record is the source of truth: a finished one is never run again.
 */
export async function runBacktestJob(ctx: WorkerContext, payload: JobPayload<'backtest'>): Promise<void> {
  const record = await getBacktest(ctx.redis, payload.id);
  if (record === null)
    throw new UnrecoverableError(`backtest ${payload.id} is not stored (expired?); nothing to run`);
  if (record.status === 'done' || record.status === 'failed') return;
  const running: BacktestRecord = { ...record, status: 'running', startedAt: ctx.now() };
  await putBacktest(ctx.redis, running);
  try {
    const { report, notes } = await execute(ctx, record);
    await putBacktest(ctx.redis, {
      ...running,
      status: 'done',
      finishedAt: ctx.now(),
      notes: [...record.notes, ...notes],
      report,
    });
  } catch (error) {
    ctx.log.warn({ backtest: record.id, err: error }, 'backtest failed');
    await putBacktest(ctx.redis, {
      ...running,
      status: 'failed',
      finishedAt: ctx.now(),
      error: (error as Error).message,
    });
  }
}

async function execute(ctx: WorkerContext, record: BacktestRecord) {
  const { request } = record;
  const parsed = parseSpec(request.spec);
  if (!parsed.ok)
    throw new BacktestInputError(`the spec has problems:\n${formatProblems(parsed.problems, 'spec')}`);
  const spec = parsed.spec;
  const notes: string[] = [];
  let source: BacktestSource;
  if (request.source.kind === 'collector') {
    source = collectorSource(ctx.redis, request.source.rollout, ctx.now());
    const promql = [...spec.spec.guardrails, ...spec.spec.successCriteria]
      .filter((c) => c.metric.kind === 'promql')
      .map((c) => c.name);
    if (promql.length > 0) notes.push(`not replayed (PromQL values are not stored): ${promql.join(', ')}`);
  } else {
    const url = request.source.url ?? spec.spec.prometheus?.url;
    if (url === undefined) {
      throw new BacktestInputError('source prometheus needs a url: give one, or set spec.prometheus.url');
    }
    const unsupported = prometheusUnsupported(spec);
    if (unsupported.length > 0) throw new BacktestInputError(unsupported.join('; '));
    source = prometheusSource({
      url,
      spec,
      from: request.from,
      to: request.to,
      stepMs: request.interval,
      // Every outbound request follows the egress policy, as PromQL checks do.
      fetch: (url, init) => ctx.egress.fetch(url, init),
      ...(request.split === undefined ? {} : { split: request.split }),
    });
  }
  const report = await runBacktest({
    spec,
    from: request.from,
    to: request.to,
    intervalMs: request.interval,
    runs: request.runs,
    noRealDifference: request.noRealDifference ?? request.split !== undefined,
    source,
  });
  return { report, notes };
}
