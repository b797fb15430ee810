import { parseSpec } from '@rollout-guard/shared/spec';
import type { CohortStats } from '@rollout-guard/shared/stats';
import { describe, expect, it } from 'vitest';
import { specYaml } from './api-test-kit.ts';
import { type ReadRange, seriesPoints } from './series-points.ts';

const parsed = parseSpec(specYaml('s'));
if (!parsed.ok) throw new Error('bad fixture');
const guardrail = parsed.spec.spec.guardrails[0]!;

/** Per minute: 1000 requests; errors per cohort by minute. Counters as the buckets would merge them. */
function table(errors: Record<'treatment' | 'control', (minute: number) => number>): ReadRange {
  return async (metric, cohort, from, to) => {
    if (cohort === 'baseline') return null;
    let total = 0;
    for (let minute = Math.ceil(from / 60_000); minute * 60_000 < to; minute++) {
      total += metric === 'requests_total' ? 1000 : errors[cohort](minute);
    }
    return { kind: 'counter', increase: total } as CohortStats;
  };
}

describe('seriesPoints', () => {
  it('accumulates a wave-window check from the wave start, per step', async () => {
    const points = await seriesPoints(table({ treatment: () => 20, control: () => 10 }), {
      check: guardrail,
      from: 0,
      to: 180_000,
      step: 60_000,
      cumulativeFrom: 0,
    });
    expect(
      points.map((p) => [p.t, p.from, p.cohorts.treatment?.samples, p.cohorts.treatment?.value]),
    ).toEqual([
      [60_000, 0, 1000, 0.02],
      [120_000, 0, 2000, 0.02],
      [180_000, 0, 3000, 0.02],
    ]);
    expect(points[2]?.cohorts.control).toBeUndefined();
  });

  it('gives control checks both cohorts and the difference with its interval', async () => {
    const control = { ...guardrail, compare: 'control' as const, window: { ms: 60_000, text: '1m' } };
    const points = await seriesPoints(table({ treatment: (m) => (m < 2 ? 10 : 100), control: () => 10 }), {
      check: control,
      from: 0,
      to: 180_000,
      step: 60_000,
    });
    expect(points.map((p) => [p.from, p.cohorts.treatment?.value, p.cohorts.control?.value])).toEqual([
      [0, 0.01, 0.01],
      [60_000, 0.01, 0.01],
      [120_000, 0.1, 0.01],
    ]);
    const last = points[2]!.difference!;
    expect(last.absolute.value).toBeCloseTo(0.09);
    expect(last.absolute.interval![0]).toBeLessThan(0.09);
    expect(last.absolute.interval![1]).toBeGreaterThan(0.09);
    expect(last.relative.value).toBeCloseTo(9);
  });
});
