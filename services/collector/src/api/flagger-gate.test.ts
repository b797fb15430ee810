import { describe, expect, it } from 'vitest';
import { driven } from './controller-states.ts';
import { type FlaggerHook, flaggerGate } from './flagger-gate.ts';

type Steps = Parameters<typeof driven>[0];

describe('flaggerGate', () => {
  it.each<[string, Steps, 'manual' | 'auto', FlaggerHook, number, boolean, boolean]>([
    // state, approval, hook, steps granted → open, approve
    ['pending: confirm-rollout', [], 'manual', 'confirm-rollout', 0, false, false],
    ['in wave 1: confirm-rollout', ['start'], 'manual', 'confirm-rollout', 0, true, false],
    ['paused: confirm-rollout', ['start', 'pause'], 'manual', 'confirm-rollout', 0, false, false],
    ['pending: the first step', [], 'manual', 'confirm-traffic-increase', 0, false, false],
    ['in wave 1: the first step', ['start'], 'manual', 'confirm-traffic-increase', 0, true, false],
    ['baking wave 1: the second step', ['start'], 'manual', 'confirm-traffic-increase', 1, false, false],
    [
      'wave 1 go, manual: the second step',
      ['start', 'go'],
      'manual',
      'confirm-traffic-increase',
      1,
      true,
      true,
    ],
    ['wave 1 go, auto: the second step', ['start', 'go'], 'auto', 'confirm-traffic-increase', 1, true, false],
    [
      'wave 2 paused: the second step',
      ['start', 'go', 'pause'],
      'auto',
      'confirm-traffic-increase',
      1,
      false,
      false,
    ],
    ['wave 2 baking: the third step', ['start', 'go'], 'auto', 'confirm-traffic-increase', 2, false, false],
    [
      'wave 1 no-go: the second step',
      ['start', 'no-go'],
      'manual',
      'confirm-traffic-increase',
      1,
      false,
      false,
    ],
    [
      'wave 1 inconclusive: the second step',
      ['start', 'inconclusive'],
      'manual',
      'confirm-traffic-increase',
      1,
      false,
      false,
    ],
    ['wave 2 go: promotion', ['start', 'go', 'approve', 'go'], 'manual', 'confirm-promotion', 2, true, true],
    ['wave 2 baking: promotion', ['start', 'go', 'approve'], 'manual', 'confirm-promotion', 2, false, false],
    ['completed: promotion', ['start', 'go', 'go', 'go'], 'auto', 'confirm-promotion', 2, true, false],
    ['rolled back: a step', ['start', 'breach'], 'manual', 'confirm-traffic-increase', 1, false, false],
    ['aborted: a step', ['start', 'abort'], 'manual', 'confirm-traffic-increase', 0, false, false],
    ['rolled back: rollback', ['start', 'breach'], 'manual', 'rollback', 0, true, false],
    ['no-go: rollback', ['start', 'no-go'], 'manual', 'rollback', 0, false, false],
    ['aborted: rollback', ['start', 'abort'], 'manual', 'rollback', 0, false, false],
  ])('%s', (_case, steps, approval, hook, granted, open, approve) => {
    const { state, decisions } = driven(steps, approval);
    const gate = flaggerGate(hook, state, decisions, granted);
    expect({ open: gate.open, approve: gate.approve }).toEqual({ open, approve });
  });

  it('says what it waits for', () => {
    const { state, decisions } = driven(['start', 'no-go']);
    expect(flaggerGate('confirm-traffic-increase', state, decisions, 1).reason).toContain(
      "waiting for wave 1's go: ",
    );
    expect(flaggerGate('rollback', state, decisions, 0).reason).toContain('not rolled back: paused');
  });
});
