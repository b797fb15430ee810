import { parseSpec, type RolloutSpec } from '@rollout-guard/shared/spec';
import { describe, expect, it } from 'vitest';
import { specYaml } from './api-test-kit.ts';
import { isAllowedWhileRunning, runningChange } from './running-change.ts';

function spec(text: string): RolloutSpec {
  const result = parseSpec(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spec;
}

describe('changes to a running rollout', () => {
  it.each([
    [['spec', 'guardrails', 0, 'allowed', 'max'], true],
    [['spec', 'guardrails', 0, 'allowedByWave', '25'], true],
    [['spec', 'successCriteria', 1, 'consecutive'], true],
    [['spec', 'waves', 1, 'bake', 'ms'], true],
    [['spec', 'approval'], true],
    [['spec', 'mode'], true],
    [['spec', 'guardrails', 0, 'mode'], true],
    [['spec', 'successCriteria', 1, 'mode'], true],
    [['spec', 'actions', 'rollback', 0, 'url'], true],
    [['metadata', 'labels', 'team'], true],
    [['spec', 'scrape', 0, 'url'], true],
    [['spec', 'scrape', 1], true],
    [['spec', 'waves', 1, 'percent'], false],
    [['spec', 'waves', 3], false],
    [['spec', 'cohorts', 'attribute'], false],
    [['spec', 'guardrails', 0, 'metric', 'numerator'], false],
    [['spec', 'guardrails', 0, 'aggregate'], false],
    [['spec', 'guardrails', 0, 'window'], false],
    [['spec', 'guardrails', 2], false],
    [['spec', 'flag'], false],
    [['metadata', 'name'], false],
  ])('%j allowed: %s', (path, allowed) => {
    expect(isAllowedWhileRunning(path)).toBe(allowed);
  });

  it('names each changed field once, and the refused ones with why', () => {
    const before = spec(specYaml('r'));
    const after = spec(specYaml('r', { max: 0.05, bake: '2h', percents: [10, 50, 100] }));
    const change = runningChange(before, after);
    expect(change.changed).toEqual(
      expect.arrayContaining(['spec.waves[0].percent', 'spec.waves[0].bake', 'spec.guardrails[0].allowed']),
    );
    expect(change.refused).toEqual([
      {
        path: 'spec.waves[0].percent',
        reason: expect.stringContaining('waves of a running rollout are fixed'),
      },
    ]);
  });
});
