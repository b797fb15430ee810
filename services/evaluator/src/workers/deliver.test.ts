import { defaultEgressPolicy } from '@rollout-guard/shared/egress';
import { deliverJobId } from '@rollout-guard/shared/jobs';
import { operate, testSpec } from '@rollout-guard/shared/store';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { Handler, TestReceiver } from '../delivery/test-receiver.ts';
import type { EvaluatorCore } from '../evaluator.ts';
import { TEST_SECRET, useEvaluatorTestBed } from '../evaluator-test-kit.ts';

// The deliver worker against a real HTTP receiver: each case starts a rollout, whose `advance` decision is
// delivered to `<receiver>/advance`, and lets the receiver misbehave.

const bed = useEvaluatorTestBed();
let receiver: TestReceiver;
let evaluator: EvaluatorCore;

async function startRollout(
  handler: Handler,
  options: Parameters<typeof bed.startEvaluator>[0] = {},
  spec: Parameters<typeof testSpec>[1] = {},
) {
  receiver = await bed.startReceiver(handler);
  evaluator = await bed.startEvaluator(options);
  await bed.store.putSpec({
    spec: testSpec('hooks', { receiver: receiver.url, ...spec }),
    source: '',
    contentType: 'application/json',
    actor: 'ana',
  });
  const started = await operate(bed.store, 'hooks', 'start', 'ana');
  if (!started.ok) throw new Error('the rollout did not start');
  const decision = started.decisions[0]!;
  return { decision, deliveryId: `${decision.id}.advance.0` };
}

const advances = () => receiver.requests.filter((r) => r.path === '/advance');

describe('deliver', () => {
  it("sends the rollout's owner and runbook in the body, signed with the rest", async () => {
    const oncall = { owner: 'hooks-oncall', runbook: 'https://runbooks.internal/hooks' };
    const { deliveryId } = await startRollout(
      (_req, res) => {
        res.statusCode = 200;
        res.end('ok');
      },
      {},
      { oncall },
    );
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('delivered');
    const [request] = advances();
    const body = new Webhook(TEST_SECRET).verify(request!.body, request!.headers) as { data: object };
    expect(body.data).toMatchObject(oncall);
  });

  it('retries a receiver that fails five times, then records the success once', async () => {
    const { deliveryId, decision } = await startRollout((_req, res, index) => {
      res.statusCode = index < 5 ? 503 : 200;
      res.end(index < 5 ? 'busy' : 'ok');
    });
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('delivered');
    const attempts = await evaluator.ctx.deliveryLog.attempts(deliveryId);
    expect(attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [1, 503, 'retry'],
      [2, 503, 'retry'],
      [3, 503, 'retry'],
      [4, 503, 'retry'],
      [5, 503, 'retry'],
      [6, 200, 'delivered'],
    ]);
    expect(attempts[0]?.responseExcerpt).toBe('busy');
    // The same webhook-id every time: the receiver deduplicates on it.
    expect(new Set(advances().map((r) => r.headers['webhook-id']))).toEqual(new Set([decision.id]));
    for (const request of advances())
      expect(() => new Webhook(TEST_SECRET).verify(request.body, request.headers)).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(advances()).toHaveLength(6);
  });

  it('stops at 410 Gone without retrying', async () => {
    const { deliveryId } = await startRollout((_req, res) => {
      res.statusCode = 410;
      res.end('gone');
    });
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(advances()).toHaveLength(1);
    const metrics = await evaluator.ctx.metrics.deliveryFailures.get();
    expect(metrics.values).toContainEqual(
      expect.objectContaining({ labels: { format: 'standard', reason: 'stopped' }, value: 1 }),
    );
  });

  it('records a delivery the egress policy refuses as stopped, with the reason, and sends nothing', async () => {
    const { deliveryId } = await startRollout((_req, res) => res.end('ok'), {
      egressPolicy: defaultEgressPolicy,
    });
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('stopped');
    const attempts = await evaluator.ctx.deliveryLog.attempts(deliveryId);
    expect(attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'stopped',
        error: expect.stringMatching(
          /^127\.0\.0\.1 is a loopback address, refused by the egress policy; set EGRESS_ALLOW_LOOPBACK=true to allow it$/,
        ),
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests).toHaveLength(0);
    expect(await evaluator.ctx.deliveryLog.attempts(deliveryId)).toHaveLength(1);
  });

  it('retries an attempt that hangs past the timeout', async () => {
    const { deliveryId } = await startRollout(
      (_req, res, index) => {
        if (index === 0) return; // never answers
        res.end('ok');
      },
      { deliveryTimeoutMs: 300 },
    );
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('delivered');
    const [first, second] = await evaluator.ctx.deliveryLog.attempts(deliveryId);
    expect(first).toMatchObject({ outcome: 'retry' });
    expect(first?.status).toBeUndefined();
    expect(first?.error).toMatch(/300 ms|timed? ?out/i);
    expect(second).toMatchObject({ outcome: 'delivered', status: 200 });
  });

  it('gives up after its retry window, raises one rollout.alert to the alert targets, and counts it', async () => {
    const { deliveryId, decision } = await startRollout(
      (req, res) => {
        res.statusCode = req.path === '/alert' ? 200 : 500;
        res.end();
      },
      { retryPolicy: { baseMs: 20, capMs: 80, giveUpAfterMs: 400 } },
      { alerts: true },
    );
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('gave-up');
    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/alert').length, { timeout: 10_000 })
      .toBe(1);
    const alert = receiver.requests.find((r) => r.path === '/alert')!;
    const event = new Webhook(TEST_SECRET).verify(alert.body, alert.headers) as {
      type: string;
      data: { summary: string };
    };
    expect(event.type).toBe('rollout.alert');
    expect(event.data.summary).toContain(`decision ${decision.id}`);
    expect(event.data.summary).toContain('gave up');
    const alerts = (await bed.store.listDecisions('hooks')).filter((d) => d.kind === 'alert');
    expect(alerts).toHaveLength(1);
    const metrics = await evaluator.ctx.metrics.deliveryFailures.get();
    expect(metrics.values).toContainEqual(
      expect.objectContaining({ labels: { format: 'standard', reason: 'gave-up' }, value: 1 }),
    );
  });

  it('sends a delivered webhook again when redelivery is asked for, with its webhook-id', async () => {
    const { deliveryId, decision } = await startRollout((_req, res) => res.end('ok'));
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('delivered');
    // What the API's redeliver route does: a fresh chain under a new job id.
    await evaluator.ctx.deliveryLog.update(deliveryId, {
      status: 'pending',
      firstAttemptAt: null,
      redeliveries: 1,
    });
    await evaluator.ctx.queues.deliver.add(
      'deliver',
      { deliveryId, rollout: 'hooks' },
      { jobId: `${deliverJobId(deliveryId)}.r1` },
    );
    await expect.poll(() => advances().length, { timeout: 10_000 }).toBe(2);
    expect(advances().map((r) => r.headers['webhook-id'])).toEqual([decision.id, decision.id]);
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('delivered');
  });

  it('does not send a delivery again when its job is re-created after it finished', async () => {
    const { deliveryId } = await startRollout((_req, res) => res.end('ok'));
    await expect
      .poll(async () => (await evaluator.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 10_000 })
      .toBe('delivered');
    await evaluator.ctx.queues.deliver.add(
      'deliver',
      { deliveryId, rollout: 'hooks' },
      { jobId: 'another-job' },
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(advances()).toHaveLength(1);
  });
});
