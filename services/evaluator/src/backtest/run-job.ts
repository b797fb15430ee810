import { type BacktestRecord, getBacktest, replaceBacktestIf } from '@rollout-guard/shared/backtest';
import { type JobPayload, jobCatalog } from '@rollout-guard/shared/jobs';
import { formatProblems, parseSpec } from '@rollout-guard/shared/spec';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerContext } from '../workers/context.ts';
import { PromqlError } from '../workers/poll-promql.ts';
import { runBacktest } from './backtest.ts';
import { collectorSource } from './collector-source.ts';
import { formatReplayProblems, prometheusProblems } from './prometheus-checks.ts';
import { BacktestInputError, prometheusSource } from './prometheus-source.ts';
import type { BacktestSource } from './replay.ts';

/** A run stops a little before the job's own time limit, so it is marked failed with why, not left running. */
const DEADLINE_MARGIN_MS = 5_000;

/** What fails again however often it is retried: the user has to change the request. */
function isPermanent(error: unknown): boolean {
  if (error instanceof BacktestInputError) return true;
  return (
    error instanceof PromqlError &&
    (error.reason === 'too-large' || error.reason === 'answer' || error.reason === 'egress')
  );
}

/**
 * The `backtest` job: runs the replay the record asks for and stores its report, or the reason it could not
 * run. The record is the source of truth: a finished one is never run again. A retried attempt replays from
 * the stored request and writes the whole report once, so nothing is counted twice; an attempt that is no
 * longer the record's latest (it ran out of time, or stalled and was run again elsewhere) writes nothing.
 * Failures that may pass (Prometheus down, a 5xx, a timeout) are retried by the catalog's policy with the
 * record `retrying` and the last error shown; the rest, and the last attempt, mark it `failed` with why.
 */
export async function runBacktestJob(
  ctx: WorkerContext,
  payload: JobPayload<'backtest'>,
  job?: Pick<Job, 'attemptsMade' | 'opts'>,
): Promise<void> {
  const record = await getBacktest(ctx.redis, payload.id);
  if (record === null)
    throw new UnrecoverableError(`backtest ${payload.id} is not stored (expired?); nothing to run`);
  if (record.status === 'done' || record.status === 'failed') return;
  const attempt = record.attempts + 1;
  const allowed = job?.opts.attempts ?? 1;
  const running: BacktestRecord = { ...record, status: 'running', startedAt: ctx.now(), attempts: attempt };
  // Claimed in one step: if another attempt took the record (or finished it) since it was read, that one runs it.
  if (!(await replaceBacktestIf(ctx.redis, running, { attempts: record.attempts, unfinished: true }))) return;
  let settled = false;
  // Only this attempt's own writes, and only while no later attempt has taken over the record.
  const settle = async (next: BacktestRecord) => {
    if (settled) return;
    settled = true;
    await replaceBacktestIf(ctx.redis, next, { attempts: attempt });
  };
  const deadlineMs = jobCatalog.backtest.timeoutMs - DEADLINE_MARGIN_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BacktestInputError(
            `the replay ran longer than ${Math.round(deadlineMs / 1000)} s; shorten the range, lengthen the interval or ask for fewer runs`,
          ),
        ),
      deadlineMs,
    );
  });
  try {
    const { report, notes } = await Promise.race([execute(ctx, record), deadline]);
    await settle({
      ...running,
      status: 'done',
      finishedAt: ctx.now(),
      error: null,
      notes: [...record.notes, ...notes],
      report,
    });
  } catch (error) {
    const message = (error as Error).message;
    const permanent = isPermanent(error);
    const last = permanent || (job?.attemptsMade ?? 0) + 1 >= allowed;
    ctx.log.warn({ backtest: record.id, attempt, err: error }, 'backtest attempt failed');
    await settle({
      ...running,
      status: last ? 'failed' : 'retrying',
      finishedAt: last ? ctx.now() : null,
      error: last && !permanent && attempt > 1 ? `after ${attempt} attempts: ${message}` : message,
    });
    if (last) throw new UnrecoverableError(message);
    throw error;
  } finally {
    clearTimeout(timer);
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
    const prometheus = prometheusSource({
      url,
      spec,
      from: request.from,
      to: request.to,
      stepMs: request.interval,
      // Every outbound request follows the egress policy, as PromQL checks do.
      egress: ctx.egress,
      limits: ctx.backtestLimits,
      ...(request.split === undefined ? {} : { split: request.split }),
    });
    const problems = await prometheusProblems(spec, prometheus);
    if (problems.length > 0) throw new BacktestInputError(formatReplayProblems(problems));
    source = prometheus;
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
