import { capturedLogger } from '@rollout-guard/shared/testing';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CAP_WARNING_EVERY_MS, CapWarnings, reportCapRefusals } from './cap-refusals.ts';

const MINUTE = CAP_WARNING_EVERY_MS;

describe('CapWarnings', () => {
  it('tells the first refusal at once, then the ones held back with the next a minute or more later', () => {
    const warnings = new CapWarnings();
    expect(warnings.take('checkout', 3, 0)).toEqual({ refused: 3 });
    expect(warnings.take('checkout', 4, 1_000)).toBeUndefined();
    expect(warnings.take('checkout', 5, MINUTE - 1)).toBeUndefined();
    expect(warnings.take('checkout', 1, MINUTE)).toEqual({ refused: 10, sinceMs: MINUTE });
    // Quiet for an hour: told at once, with nothing held back.
    expect(warnings.take('checkout', 2, MINUTE + 3_600_000)).toEqual({ refused: 2, sinceMs: 3_600_000 });
  });

  it('keeps rollouts apart', () => {
    const warnings = new CapWarnings();
    expect(warnings.take('checkout', 1, 0)).toEqual({ refused: 1 });
    expect(warnings.take('search', 1, 10)).toEqual({ refused: 1 });
    expect(warnings.take('checkout', 1, 20)).toBeUndefined();
  });

  it('tells at once when the clock went back since its last line', () => {
    const warnings = new CapWarnings();
    warnings.take('checkout', 1, MINUTE * 10);
    expect(warnings.take('checkout', 2, MINUTE * 5)).toEqual({ refused: 2 });
  });

  it('forgets rollouts quiet for a minute once it holds a thousand', () => {
    const warnings = new CapWarnings();
    for (let i = 0; i < 1_000; i++) warnings.take(`r${i}`, 1, 0);
    // Held back: r0 told less than a minute ago.
    expect(warnings.take('r0', 1, 10)).toBeUndefined();
    // A new rollout a minute later: the quiet ones are forgotten, r0's held-back point with it.
    expect(warnings.take('new', 1, MINUTE)).toEqual({ refused: 1 });
    expect(warnings.take('r0', 1, MINUTE)).toEqual({ refused: 1 });
    expect(warnings.take('r1', 1, MINUTE + 1)).toEqual({ refused: 1 });
  });
});

describe('reportCapRefusals', () => {
  it('counts every refused point and logs a line per rollout at most once a minute', async () => {
    const { logger, lines } = capturedLogger('collector-test');
    const metrics = new Registry();
    const warnings = new CapWarnings();
    const report = (nowMs: number, ...refusals: Array<[string, number]>) =>
      reportCapRefusals(
        refusals.map(([rollout, count]) => ({ rollout, count, example: `series of ${rollout}` })),
        { metrics, logger, warnings, limit: 20_000, nowMs },
      );
    report(0, ['checkout', 2], ['search', 1]);
    for (let second = 1; second < 60; second++) report(second * 1_000, ['checkout', 1]);
    report(61_000, ['checkout', 3]);

    const counted = await metrics.getSingleMetric('rollout_guard_ingest_cardinality_refused_total')?.get();
    expect(Object.fromEntries(counted?.values.map((v) => [v.labels.rollout, v.value]) ?? [])).toEqual({
      checkout: 2 + 59 + 3,
      search: 1,
    });
    expect(
      lines.map(({ rollout, refused, limit, example }) => ({ rollout, refused, limit, example })),
    ).toEqual([
      { rollout: 'checkout', refused: 2, limit: 20_000, example: 'series of checkout' },
      { rollout: 'search', refused: 1, limit: 20_000, example: 'series of search' },
      { rollout: 'checkout', refused: 62, limit: 20_000, example: 'series of checkout' },
    ]);
    expect(lines[0]?.msg).toBe(
      'refused 2 point(s) of new series: rollout "checkout" is at its cap of 20000 active series (told at ' +
        'most once a minute; every point is counted in rollout_guard_ingest_cardinality_refused_total)',
    );
    expect(lines[2]?.msg).toMatch(/^refused 62 point\(s\) of new series since the last such line 61 s ago: /);
  });
});
