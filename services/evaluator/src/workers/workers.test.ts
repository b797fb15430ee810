import { operate, testSpec } from '@rollout-guard/shared/store';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { addWaveCounts, notifyData, TEST_SECRET, useEvaluatorTestBed } from '../evaluator-test-kit.ts';

const bed = useEvaluatorTestBed();

describe('evaluator workers', () => {
  it('turns a breach into exactly one signed rollout.rollback', async () => {
    const receiver = await bed.startReceiver();
    const evaluator = await bed.startEvaluator();
    await bed.store.putSpec({
      spec: testSpec('breach', { receiver: receiver.url }),
      source: '',
      contentType: 'application/json',
      actor: 'ana',
    });
    await operate(bed.store, 'breach', 'start', 'ana');
    await addWaveCounts(bed.redis, 'breach', 1, { treatment: { errors_total: 400, requests_total: 5_000 } });
    await notifyData(evaluator, 'breach');
    await expect
      .poll(() => receiver.requests.filter((r) => r.path === '/rollback').length, { timeout: 10_000 })
      .toBe(1);
    const rollback = receiver.requests.find((r) => r.path === '/rollback')!;
    const verified = new Webhook(TEST_SECRET).verify(rollback.body, rollback.headers) as {
      type: string;
      data: { decisionId: string };
    };
    expect(verified.type).toBe('rollout.rollback');
    expect(rollback.headers['webhook-id']).toBe(verified.data.decisionId);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests.filter((r) => r.path === '/rollback')).toHaveLength(1);
  });
});
