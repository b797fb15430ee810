import { describe, expect, it } from 'vitest';
import { readRolloutView } from './api-client.ts';

describe('readRolloutView', () => {
  it.each([
    [
      'the API view',
      { name: 'r', phase: 'wave', wave: { index: 2, percent: 50, of: 3 } },
      { phase: 'wave', wave: 2 },
    ],
    ['a bare wave number', { phase: 'awaiting-approval', wave: 1 }, { phase: 'awaiting-approval', wave: 1 }],
    [
      'nested under rollout',
      { rollout: { phase: 'pending', wave: { index: 0 } } },
      { phase: 'pending', wave: 0 },
    ],
    ['no wave yet', { phase: 'pending' }, { phase: 'pending', wave: 0 }],
  ])('reads phase and wave from %s', (_, body, expected) => {
    expect(readRolloutView(body)).toMatchObject(expected);
  });

  it.each([null, 'text', { name: 'r' }])('gives null for a body without a phase (%j)', (body) => {
    expect(readRolloutView(body)).toBeNull();
  });
});
