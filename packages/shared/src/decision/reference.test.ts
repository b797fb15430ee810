import { describe, expect, it } from 'vitest';
import { referenceFor } from './reference.ts';
import { specFixture } from './spec-fixture.ts';
import type { WaveRecord } from './state.ts';

const history: WaveRecord[] = [
  { index: 1, percent: 25, startedAt: 1_000, endedAt: 2_000 },
  { index: 2, percent: 50, startedAt: 2_000, endedAt: 3_000 },
  { index: 3, percent: 100, startedAt: 3_000, endedAt: null },
];
const withoutBaseline = specFixture();
const withBaseline = specFixture({ baseline: { window: '1h' } });

describe('referenceFor', () => {
  it.each([
    ['absolute check', 'absolute', withoutBaseline, 2, false, null],
    ['baseline check', 'baseline', withBaseline, 1, true, { kind: 'baseline' }],
    ['control check below 100%', 'control', withoutBaseline, 2, true, { kind: 'control' }],
    ['control check at 100% with a holdback', 'control', withoutBaseline, 3, true, { kind: 'control' }],
    [
      'control check at 100%, no holdback, a baseline',
      'control',
      withBaseline,
      3,
      false,
      { kind: 'baseline' },
    ],
    [
      "control check at 100%, no holdback, no baseline: the previous wave's control",
      'control',
      withoutBaseline,
      3,
      false,
      { kind: 'previous-wave-control', from: 2_000, to: 3_000 },
    ],
  ] as const)('%s', (_name, compare, spec, wave, controlHasData, expected) => {
    expect(referenceFor({ compare }, { spec, wave, history }, controlHasData)).toEqual(expected);
  });

  it('has no reference for a single 100% wave without baseline or holdback', () => {
    const single = specFixture({
      waves: [{ percent: 100 }],
      guardrails: [{ name: 'errors', metric: 'errors_total', allowed: { max: 0.03 } }],
    });
    expect(
      referenceFor({ compare: 'control' }, { spec: single, wave: 1, history: [history[2]!] }, false),
    ).toBeNull();
  });
});
