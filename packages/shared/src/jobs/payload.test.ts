import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { parsePayload } from './payload.ts';

describe('parsePayload', () => {
  it.each([
    ['evaluate', { rollout: 'web-checkout', reason: 'data', enqueuedAt: 1 }],
    ['checkpoint', { rollout: 'a', event: 'bake-elapsed', wave: 1, dueAt: 5 }],
    ['poll-promql', { rollout: 'a', check: 'latency' }],
    ['deliver', { deliveryId: 'd1', rollout: 'a' }],
    ['tick', {}],
  ] as const)('accepts a valid %s payload', (name, data) => {
    expect(parsePayload(name, data)).toEqual(data);
  });

  it.each([
    [
      'evaluate',
      { rollout: 'Web Checkout', reason: 'data', enqueuedAt: 1 },
      'rollout: expected a rollout name',
    ],
    ['evaluate', { rollout: 'a', reason: 'whim', enqueuedAt: 1 }, 'reason:'],
    ['evaluate', { rollout: 'a', reason: 'tick' }, 'enqueuedAt:'],
    ['checkpoint', { rollout: 'a', event: 'bake-elapsed', wave: -1, dueAt: 5 }, 'wave:'],
    ['checkpoint', { rollout: 'a', event: 'soon', wave: 1, dueAt: 5 }, 'event:'],
    ['deliver', { rollout: 'a' }, 'deliveryId:'],
    ['deliver', 'd1', '(payload):'],
  ] as const)('refuses an invalid %s payload as unrecoverable (%j)', (name, data, gist) => {
    let thrown: unknown;
    try {
      parsePayload(name, data);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect((thrown as Error).message).toContain(`invalid ${name} job payload`);
    expect((thrown as Error).message).toContain(gist);
  });
});
