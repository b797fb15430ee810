import { initialState, type RolloutState } from '@rollout-guard/shared/decision';
import type { Check } from '@rollout-guard/shared/spec';
import { type CohortStats, momentsOf, ratioOf } from '@rollout-guard/shared/stats';
import type { BucketWindow, Cohort } from '@rollout-guard/shared/store';
import { testSpec } from '@rollout-guard/shared/store';
import { describe, expect, it } from 'vitest';
import { aggregationOf, measureCheck, measurementOf, type ReadStats, windowOf } from './measure-check.ts';

const HOUR = 3_600_000;

/** A rollout in wave `wave` (1-based) that began at `startedAt`, with `checks` as its guardrails. */
function stateIn(
  wave: number,
  startedAt: number,
  checks: readonly Check[] = [],
  baseline = false,
): RolloutState {
  const base = testSpec('m');
  const spec = {
    ...base,
    spec: {
      ...base.spec,
      guardrails: checks.filter((c) => c.kind === 'guardrail') as typeof base.spec.guardrails,
      ...(baseline ? { baseline: { window: { ms: HOUR, text: '1h' } } } : {}),
    },
  };
  const history = Array.from({ length: wave }, (_, i) => ({
    index: i + 1,
    percent: spec.spec.waves[i]!.percent,
    startedAt: startedAt - (wave - 1 - i) * HOUR,
    endedAt: i === wave - 1 ? null : startedAt - (wave - 2 - i) * HOUR,
  }));
  return { ...initialState(spec, 1), phase: 'wave', wave, history };
}

function check(overrides: Partial<Check>): Check {
  const base = testSpec('m').spec.guardrails[0]!;
  return { ...base, ...overrides } as Check;
}

const errorRate = check({});
const latencyVsControl = check({
  name: 'latency',
  metric: { kind: 'name', name: 'latency_seconds' },
  aggregate: 'mean',
  compare: 'control',
  allowed: { max: { relativePercent: 5 } },
});

describe('windowOf', () => {
  it.each([
    ['wave', errorRate, { kind: 'wave', waveEpoch: 2 }, 'wave', 1800],
    [
      '1h, within its first hour: since the wave began',
      check({ window: { ms: HOUR, text: '1h' } }),
      { kind: 'range', fromMs: 10 * HOUR - HOUR / 2, toMs: 10 * HOUR },
      '1h',
      1800,
    ],
  ])('%s', (_name, c, buckets, label, seconds) => {
    const window = windowOf(c, stateIn(2, 10 * HOUR - HOUR / 2), 10 * HOUR);
    expect(window).toMatchObject({ buckets, measurement: { label, to: 10 * HOUR }, seconds });
  });

  it('restarts a trailing window every half window, each restart at its share of the error budget', () => {
    const c = check({ window: { ms: HOUR, text: '1h' }, confidence: 0.95 });
    const window = windowOf(c, stateIn(2, 0), 6 * HOUR + 60_000);
    // restart 11 began at 5.5 h: between half and a whole window of data
    expect(window).toMatchObject({
      buckets: { kind: 'range', fromMs: 5.5 * HOUR, toMs: 6 * HOUR + 60_000 },
      measurement: { from: 5.5 * HOUR, restart: { index: 11 } },
      seconds: 1860,
    });
    expect(window?.confidence).toBeCloseTo(1 - 0.05 / (12 * 13), 12);
    const m = measurementOf(c, window!, ratioOf(40, 5_000), null);
    const wide = m?.treatment.interval ?? [0, 0];
    const plain = measurementOf(c, { ...window!, confidence: 0.95 }, ratioOf(40, 5_000), null)?.treatment
      .interval ?? [0, 0];
    expect(wide[1] - wide[0]).toBeGreaterThan(plain[1] - plain[0]);
    expect(m?.confidence).toBe(0.95);
  });

  it('reads the last window length before wave 1', () => {
    const c = check({ window: { ms: HOUR, text: '1h' } });
    const window = windowOf(c, { ...stateIn(1, 0), history: [] }, 5 * HOUR);
    expect(window).toMatchObject({
      buckets: { kind: 'range', fromMs: 4 * HOUR, toMs: 5 * HOUR },
      seconds: 3600,
    });
  });

  it('has nothing to read before wave 1', () => {
    expect(windowOf(errorRate, { ...stateIn(1, 0), history: [] }, 1)).toBeUndefined();
  });
});

describe('aggregationOf', () => {
  it.each([
    [errorRate, 'ratio'],
    [check({ metric: { kind: 'name', name: 'x' }, aggregate: 'p99', quantile: 0.99 }), { quantile: 0.99 }],
    [check({ metric: { kind: 'name', name: 'x' }, aggregate: 'rate' }), 'rate'],
  ] as const)('%#', (c, expected) => {
    expect(aggregationOf(c)).toEqual(expected);
  });
});

describe('measurementOf', () => {
  const window = {
    buckets: { kind: 'wave', waveEpoch: 1 } as BucketWindow,
    measurement: { from: 0, to: 1, label: 'wave' },
    seconds: 60,
    confidence: 0.95,
  };

  it('gives an absolute check its value, samples and one-sample interval', () => {
    const m = measurementOf(errorRate, window, ratioOf(400, 5_000), null);
    expect(m?.treatment.value).toBe(0.08);
    expect(m?.treatment.samples).toBe(5_000);
    const [lower, upper] = m?.treatment.interval ?? [Number.NaN, Number.NaN];
    expect(lower).toBeLessThan(0.08);
    expect(upper).toBeGreaterThan(0.08);
    expect(m?.reference).toBeUndefined();
  });

  it('gives a control check both cohorts and the difference intervals', () => {
    const treatment = momentsOf(Array.from({ length: 500 }, (_, i) => 1.2 + (i % 10) / 100));
    const control = momentsOf(Array.from({ length: 500 }, (_, i) => 1.0 + (i % 10) / 100));
    const m = measurementOf(latencyVsControl, window, treatment, { kind: 'control', stats: control });
    expect(m?.referenceKind).toBe('control');
    expect(m?.reference?.samples).toBe(500);
    expect(m?.difference?.absolute?.estimate).toBeCloseTo(0.2, 10);
    expect(m?.difference?.relative?.estimate).toBeCloseTo(0.2 / 1.045, 6);
    const [lower, upper] = m?.difference?.absolute?.interval ?? [0, 0];
    expect(lower).toBeLessThan(0.2);
    expect(upper).toBeGreaterThan(0.2);
  });

  it('is no data, never a breach, when the treatment has none', () => {
    expect(measurementOf(errorRate, window, null, null)).toBeUndefined();
  });

  it('keeps a control check without reference data as treatment only', () => {
    const m = measurementOf(latencyVsControl, window, momentsOf([1, 2, 3]), { kind: 'control', stats: null });
    expect(m?.reference).toEqual({ samples: 0, value: null });
    expect(m?.difference).toEqual({});
  });
});

describe('measureCheck', () => {
  /** Statistics by `metric/cohort/window-kind`, and every read that was made. */
  function table(entries: Record<string, CohortStats>) {
    const reads: string[] = [];
    const read: ReadStats = async (metric: string, cohort: Cohort, window: BucketWindow) => {
      const key = `${metric}/${cohort}/${window.kind}`;
      reads.push(key);
      return entries[key] ?? null;
    };
    return { read, reads };
  }

  it('reads a ratio from both counters of the treatment', async () => {
    const { read, reads } = table({
      'errors_total/treatment/wave': { kind: 'counter', increase: 30, resets: 0 },
      'requests_total/treatment/wave': { kind: 'counter', increase: 1_000, resets: 0 },
    });
    const m = await measureCheck(read, errorRate, stateIn(1, 0), 60_000);
    expect(m?.treatment).toMatchObject({ samples: 1_000, value: 0.03 });
    expect(reads.sort()).toEqual(['errors_total/treatment/wave', 'requests_total/treatment/wave']);
  });

  it('counts no errors as a zero rate once requests arrived', async () => {
    const { read } = table({
      'requests_total/treatment/wave': { kind: 'counter', increase: 1_000, resets: 0 },
    });
    expect((await measureCheck(read, errorRate, stateIn(1, 0), 60_000))?.treatment.value).toBe(0);
  });

  it('uses the baseline as the control at 100% when the control cohort is empty and the spec has one', async () => {
    const { read, reads } = table({
      'latency_seconds/treatment/wave': momentsOf([1.1, 1.2, 1.3]),
      'latency_seconds/baseline/baseline': momentsOf([1.0, 1.1, 1.2]),
    });
    const m = await measureCheck(read, latencyVsControl, stateIn(3, 10 * HOUR, [], true), 10 * HOUR + 60_000);
    expect(m?.referenceKind).toBe('baseline');
    expect(reads).toContain('latency_seconds/control/wave');
    expect(reads).toContain('latency_seconds/baseline/baseline');
  });

  it("falls back to the previous wave's control over that wave's span at 100% without a baseline", async () => {
    const { read, reads } = table({
      'latency_seconds/treatment/wave': momentsOf([1.1, 1.2, 1.3]),
      'latency_seconds/control/range': momentsOf([1.0, 1.1, 1.2]),
    });
    const m = await measureCheck(read, latencyVsControl, stateIn(3, 10 * HOUR), 10 * HOUR + 60_000);
    expect(m?.referenceKind).toBe('previous-wave-control');
    expect(reads).toContain('latency_seconds/control/range');
  });

  const requestRate = (compare: Check['compare'], aggregate: 'rate' | 'count') =>
    check({
      name: `requests-${aggregate}`,
      metric: { kind: 'name', name: 'requests_total' },
      aggregate,
      compare,
      allowed: { min: { relativePercent: -50 } },
    });

  it('compares a rate with the baseline per second of each window: 20/s over 60 s against 10/s over 1 h', async () => {
    const { read } = table({
      'requests_total/treatment/wave': { kind: 'counter', increase: 1_200, resets: 0 },
      'requests_total/baseline/baseline': { kind: 'counter', increase: 36_000, resets: 0 },
    });
    const state = stateIn(1, 10 * HOUR, [], true);
    const m = await measureCheck(read, requestRate('baseline', 'rate'), state, 10 * HOUR + 60_000);
    expect(m?.treatment.value).toBeCloseTo(20, 12);
    expect(m?.reference?.value).toBeCloseTo(10, 12);
    expect(m?.difference?.relative?.estimate).toBeCloseTo(1, 12);
    expect(m?.difference?.relative?.noInterval).toBeUndefined();
    expect(m?.difference?.relative?.method).toBe('normal-mixture relative Poisson rate vs fixed baseline');
  });

  it("states a previous wave's count over the treatment's window, so both are amounts over the same time", async () => {
    const { read } = table({
      'requests_total/treatment/wave': { kind: 'counter', increase: 1_200, resets: 0 },
      'requests_total/control/range': { kind: 'counter', increase: 36_000, resets: 0 },
    });
    const m = await measureCheck(
      read,
      requestRate('control', 'count'),
      stateIn(3, 10 * HOUR),
      10 * HOUR + 60_000,
    );
    expect(m?.referenceKind).toBe('previous-wave-control');
    // The previous wave ran an hour: 36,000 then is 600 per minute, the treatment's window.
    expect(m?.reference?.value).toBeCloseTo(600, 9);
    expect(m?.difference?.absolute?.estimate).toBeCloseTo(600, 9);
  });
});
