import { describe, expect, it } from 'vitest';
import { type AdvancePlan, planAdvance, type UnleashFeature } from './unleash.ts';

// Which strategy an advance moves, from the flag as Unleash's Admin API shows it. The requests themselves
// are tested against a real Unleash server in test/flags/unleash.test.ts.

const rollout = (id: string, percent = '10') => ({
  id,
  name: 'flexibleRollout',
  parameters: { rollout: percent, stickiness: 'default', groupId: 'f' },
  constraints: [],
});
const feature = (enabled: boolean, strategies: UnleashFeature['environments'][number]['strategies']) => ({
  environments: [
    { name: 'development', enabled: true, strategies: [] },
    { name: 'production', enabled, strategies },
  ],
});

describe('planAdvance', () => {
  it.each<[string, UnleashFeature, string | undefined, AdvancePlan]>([
    [
      'no strategy: create one, then switch on',
      feature(false, []),
      undefined,
      { strategy: 'create', enable: true },
    ],
    [
      'one gradual rollout: move it',
      feature(true, [rollout('a')]),
      undefined,
      { strategy: { patch: 'a' }, enable: false },
    ],
    [
      'a gradual rollout beside other strategies: move it',
      feature(true, [{ id: 'u', name: 'userWithId', parameters: {}, constraints: [] }, rollout('a')]),
      undefined,
      { strategy: { patch: 'a' }, enable: false },
    ],
    [
      'other strategies only: add a gradual rollout',
      feature(true, [{ id: 'u', name: 'userWithId', parameters: {}, constraints: [] }]),
      undefined,
      { strategy: 'create', enable: false },
    ],
    [
      'the named one among several',
      feature(false, [rollout('a'), rollout('b')]),
      'b',
      { strategy: { patch: 'b' }, enable: true },
    ],
    [
      'several without a name',
      feature(true, [rollout('a'), rollout('b')]),
      undefined,
      {
        problem:
          'the flag has 2 gradual rollout (flexibleRollout) strategies in environment production (a, b); set strategyId to the one rollout-guard should move',
      },
    ],
    [
      'a name the environment does not have',
      feature(true, [rollout('a')]),
      'z',
      {
        problem:
          'strategyId z is not a strategy of the flag in environment production (it has flexibleRollout a); remove strategyId to let rollout-guard find or create the gradual rollout',
      },
    ],
    [
      'a name that is not a gradual rollout',
      feature(true, [{ id: 'u', name: 'default', parameters: {}, constraints: [] }]),
      'u',
      {
        problem:
          'strategyId u is a default strategy; an advance sets the percentage of a flexibleRollout (gradual rollout) strategy',
      },
    ],
    [
      'an environment the project lacks',
      { environments: [{ name: 'development', enabled: true, strategies: [] }] },
      undefined,
      {
        problem:
          "environment production is not enabled for the flag's project (it has development); enable the environment in the project or fix the target's environment",
      },
    ],
  ])('%s', (_name, flag, strategyId, expected) => {
    expect(planAdvance(flag, 'production', strategyId)).toEqual(expected);
  });
});
