import { SpanStatusCode, trace } from '@opentelemetry/api';
import { type Decision, webhookEvent } from '@rollout-guard/shared/decision';
import type { JobPayload } from '@rollout-guard/shared/jobs';
import { type DeliveryRecord, FINAL_STATUSES } from '@rollout-guard/shared/store';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { attemptDelivery, nextStep } from '../delivery/attempt.ts';
import type { DeliveryTarget } from '../delivery/targets.ts';
import type { WorkerContext } from './context.ts';
import { dispatchOutbox } from './dispatch.ts';

const tracer = trace.getTracer('rollout-guard-evaluator');

/**
 * One attempt of one webhook delivery. The delivery log is the source of truth: a delivery in a final state
 * is never sent again (a job re-created by the sweeper after the first one finished), every attempt is
 * recorded, and a retry moves this same job to the delayed set until the schedule's next attempt, so the
 * chain survives restarts. Giving up (24 h) raises a `rollout.alert` to the alert targets and a metric.
 */
export async function deliver(
  ctx: WorkerContext,
  payload: JobPayload<'deliver'>,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const record = await ctx.deliveryLog.get(payload.deliveryId);
  if (record === null) {
    throw new UnrecoverableError(
      `delivery ${payload.deliveryId} is not in the delivery log; nothing to send`,
    );
  }
  if (FINAL_STATUSES.includes(record.status)) return;

  const decision = await ctx.store.getDecision(record.rollout, record.decisionId);
  const spec = await ctx.store.getSpec(record.rollout, record.specVersion);
  const target = spec?.spec.spec.actions[record.action][record.targetIndex] as DeliveryTarget | undefined;
  if (decision === null || target === undefined) {
    await ctx.deliveryLog.update(record.id, {
      status: 'stopped',
      note: `${decision === null ? `decision ${record.decisionId}` : `target actions.${record.action}[${record.targetIndex}] of spec version ${record.specVersion}`} no longer exists`,
    });
    return;
  }

  await tracer.startActiveSpan(
    'deliver',
    {
      attributes: {
        rollout: record.rollout,
        delivery: record.id,
        format: target.format,
        webhook: record.webhook,
      },
    },
    async (span) => {
      try {
        await attempt(ctx, record, decision, target, job, token);
      } catch (error) {
        if (!(error instanceof DelayedError)) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

async function attempt(
  ctx: WorkerContext,
  record: DeliveryRecord,
  decision: Decision,
  target: DeliveryTarget,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const event = webhookEvent(record.webhook, decision, ctx.delivery.evidenceBaseUrl);
  const result = await attemptDelivery(event, target, {
    timeoutMs: ctx.delivery.timeoutMs,
    egress: ctx.egress,
    resolveSecret: ctx.delivery.resolveSecret,
    path: `actions.${record.action}[${record.targetIndex}]`,
    now: () => new Date(ctx.now()),
  });
  const number = record.attempts + 1;
  // A redelivery (firstAttemptAt cleared) starts a fresh chain: its backoff and its 24 h count from now.
  const chainBase = record.firstAttemptAt === null ? record.attempts : (record.chainBase ?? 0);
  const firstAttemptAt = record.firstAttemptAt ?? result.at;
  const now = ctx.now();
  const step = nextStep(
    result,
    number - chainBase,
    firstAttemptAt,
    now,
    ctx.delivery.random,
    ctx.delivery.retryPolicy,
  );
  ctx.metrics.deliveryAttempts.inc({ format: target.format, outcome: result.outcome });

  const { at, outcome: _outcome, ...rest } = result;
  const common = { attempts: number, chainBase, firstAttemptAt, lastAttemptAt: at };
  switch (step.outcome) {
    case 'delivered': {
      await ctx.deliveryLog.recordAttempt(
        record.id,
        { attempt: number, at, ...rest, outcome: 'delivered' },
        { ...common, status: 'delivered', deliveredAt: now, nextAttemptAt: null },
      );
      if (record.webhook === 'rollout.rollback' && record.triggeredAt !== undefined) {
        ctx.metrics.breachToWebhook.observe(Math.max(0, now - record.triggeredAt) / 1000);
      }
      return;
    }
    case 'skipped':
      await ctx.deliveryLog.recordAttempt(
        record.id,
        { attempt: number, at, ...rest, outcome: 'skipped' },
        { ...common, status: 'skipped', nextAttemptAt: null },
      );
      return;
    case 'stopped':
      ctx.metrics.deliveryFailures.inc({ format: target.format, reason: 'stopped' });
      await ctx.deliveryLog.recordAttempt(
        record.id,
        { attempt: number, at, ...rest, outcome: 'stopped' },
        { ...common, status: 'stopped', nextAttemptAt: null },
      );
      ctx.log.warn({ delivery: record.id, rollout: record.rollout, error: result.error }, 'delivery stopped');
      return;
    case 'gave-up':
      ctx.metrics.deliveryFailures.inc({ format: target.format, reason: 'gave-up' });
      await ctx.deliveryLog.recordAttempt(
        record.id,
        { attempt: number, at, ...rest, outcome: 'gave-up' },
        { ...common, status: 'gave-up', nextAttemptAt: null },
      );
      await raiseGiveUpAlert(ctx, record, decision, target, number);
      return;
    case 'retry': {
      const nextAttemptAt = now + step.delayMs;
      await ctx.deliveryLog.recordAttempt(
        record.id,
        { attempt: number, at, ...rest, outcome: 'retry', nextAttemptAt },
        { ...common, status: 'retrying', nextAttemptAt },
      );
      await job.moveToDelayed(nextAttemptAt, token);
      throw new DelayedError();
    }
  }
}

/**
 * A delivery that gave up is itself news for the on-call: a `rollout.alert` to the rollout's alert targets,
 * recorded as a decision (id derived from the delivery, so it is raised once). An alert that gives up raises
 * nothing more — the metric and the log line are what is left.
 */
async function raiseGiveUpAlert(
  ctx: WorkerContext,
  record: DeliveryRecord,
  decision: Decision,
  target: DeliveryTarget,
  attempts: number,
): Promise<void> {
  ctx.log.error(
    { delivery: record.id, rollout: record.rollout, format: target.format, attempts },
    'delivery gave up after retrying for 24 h',
  );
  if (record.webhook === 'rollout.alert') return;
  const alert: Decision = {
    ...decision,
    id: `alert_${record.id.replace(/[^A-Za-z0-9_]/g, '_')}`,
    kind: 'alert',
    outcome: 'alert',
    actor: { type: 'system' },
    reason: `the ${record.webhook} webhook of decision ${decision.id} to ${record.destination} (${target.format}, actions.${record.action}[${record.targetIndex}]) gave up after ${attempts} attempts over 24 h; redeliver it once the receiver is fixed`,
    at: ctx.now(),
    phase: { from: decision.phase.to, to: decision.phase.to },
  };
  const outbox = await ctx.store.addSystemDecision(record.rollout, alert, 'rollout.alert', ctx.now());
  await dispatchOutbox(ctx, record.rollout, outbox);
}
