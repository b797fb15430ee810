import { describe, expect, it } from 'vitest';
import { type FlagsmithFeatureState, planFlagsmithAdvance } from './flagsmith.ts';

// The multivariate values an advance writes, from the feature state as Flagsmith's Admin API lists it.
// The requests themselves go to a server enforcing Flagsmith's API in ../vendor-apis.test.ts.

const state = (...values: Array<[option: number, percent: number]>): FlagsmithFeatureState => ({
  id: 31,
  enabled: true,
  multivariate_feature_state_values: values.map(([option, percent], i) => ({
    id: 500 + i,
    multivariate_feature_option: option,
    percentage_allocation: percent,
  })),
});

describe('planFlagsmithAdvance', () => {
  it('gives the treatment option the percent and sends every value back with its id', () => {
    expect(planFlagsmithAdvance(state([991, 10], [992, 0]), 991, 25)).toEqual({
      values: [
        { id: 500, multivariate_feature_option: 991, percentage_allocation: 25 },
        { id: 501, multivariate_feature_option: 992, percentage_allocation: 0 },
      ],
    });
  });

  it('leaves room taken by other options alone while the sum stays within 100', () => {
    expect(planFlagsmithAdvance(state([991, 0], [992, 20]), 991, 80)).toEqual({
      values: [
        { id: 500, multivariate_feature_option: 991, percentage_allocation: 80 },
        { id: 501, multivariate_feature_option: 992, percentage_allocation: 20 },
      ],
    });
  });

  it('says which options leave no room for the wave', () => {
    expect(planFlagsmithAdvance(state([991, 0], [992, 30]), 991, 100)).toEqual({
      problem:
        "the feature's other options take 30% in the environment (option 992: 30%), so option 991 cannot get 100%; set them to 0% in Flagsmith, the rollout's control is the environment's value",
    });
  });

  it('names the options the feature has when the spec names another', () => {
    expect(planFlagsmithAdvance(state([991, 0]), 7, 25)).toEqual({
      problem:
        'variant.optionId 7 is not a multivariate option of the feature (it has 991); give the id of the option serving the treatment',
    });
    expect(planFlagsmithAdvance(state(), 7, 25)).toMatchObject({
      problem: expect.stringContaining('(it has none)'),
    });
  });
});
