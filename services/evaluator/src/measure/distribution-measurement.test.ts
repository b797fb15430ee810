import { judgeGuardrail, webhookReason } from '@rollout-guard/shared/decision';
import { rolloutSpecSchema } from '@rollout-guard/shared/spec';
import type { ExplicitHistogram } from '@rollout-guard/shared/stats';
import { describe, expect, it } from 'vitest';
import { distributionMeasurementOf } from './distribution-measurement.ts';
import type { CheckWindow } from './measure-check.ts';

const BOUNDS = [0.1, 0.2, 0.3, 0.4];

function histogram(counts: number[]): ExplicitHistogram {
  const count = counts.reduce((a, b) => a + b, 0);
  return { kind: 'histogram', bounds: BOUNDS, counts, count, sum: 0.25 * count, min: null, max: null };
}

function guardrail(extra: Record<string, unknown> = {}) {
  return rolloutSpecSchema.parse({
    apiVersion: 'rollout-guard/v1',
    kind: 'Rollout',
    metadata: { name: 'checkout' },
    spec: {
      flag: 'f',
      guardrails: [
        {
          name: 'latency-shape',
          metric: 'http_duration_seconds',
          aggregate: 'distribution',
          compare: 'control',
          tolerance: 0.05,
          ...extra,
        },
      ],
    },
  }).spec.guardrails[0]!;
}

const window: CheckWindow = {
  buckets: { kind: 'wave', waveEpoch: 1 },
  measurement: { from: 0, to: 600_000, label: 'wave' },
  seconds: 600,
  confidence: 0.95,
};
const wave = { percent: 25, minSamples: 100 };

// The same middle, twice the spread: 10 % → 20 % below 0.1 and 0 % → 10 % above 0.4.
const control = histogram([1000, 4000, 4000, 1000, 0]);
const wider = histogram([2000, 3000, 3000, 1000, 1000]);

describe('distributionMeasurementOf', () => {
  it('a doubled spread: the whole distance interval lies above the tolerance, and the evidence says where', () => {
    const check = guardrail();
    const measurement = distributionMeasurementOf(check, window, wider, { kind: 'control', stats: control });
    expect(measurement?.treatment.value).toBeCloseTo(0.2, 6);
    expect(measurement?.reference?.value).toBeCloseTo(0.2, 6);
    const distance = measurement?.difference?.absolute;
    expect(distance?.estimate).toBeCloseTo(0.1, 10);
    expect(distance?.interval[0]).toBeGreaterThan(0.05);
    expect(measurement?.distribution?.points.map((p) => p.boundary)).toEqual(BOUNDS);

    const judged = judgeGuardrail(check, wave, measurement, 0);
    expect(judged.outcome).toBe('breached');
    expect(judged.evidence.rule).toMatch(/^breached when the whole distance interval lies outside allowed/);
    expect(judged.evidence.explanation).toMatch(
      /^the whole distance interval \[0\.0\d+, 0\.1\d+\] lies above tolerance 0\.05; they differ most at 0\.1: 20 % of treatment vs 10 % of control at or below it \(\+10 points, interval \[\d/,
    );
    expect(judged.evidence.distribution?.widest).toBe(0);

    const reason = webhookReason(judged.evidence);
    expect(reason.value).toBeCloseTo(0.1, 10);
    expect(reason.allowed).toEqual({ max: 0.05 });
    expect(reason.distribution).toMatchObject({
      boundary: 0.1,
      treatment: 0.2,
      reference: 0.1,
      boundaries: 4,
    });
  });

  it('the same distribution: the whole distance interval lies within the tolerance', () => {
    const check = guardrail();
    const measurement = distributionMeasurementOf(check, window, control, {
      kind: 'control',
      stats: control,
    });
    const judged = judgeGuardrail(check, wave, measurement, 0);
    expect(judged.outcome).toBe('ok');
    expect(judged.evidence.explanation).toMatch(
      /^the whole distance interval \[0, 0\.0\d+\] lies at or below tolerance 0\.05/,
    );
  });

  it('compares at the declared boundaries, snapped to the bucket bounds', () => {
    const check = guardrail({ boundaries: [0.21, 0.39] });
    const measurement = distributionMeasurementOf(check, window, wider, { kind: 'control', stats: control });
    expect(measurement?.distribution?.points.map((p) => p.boundary)).toEqual([0.2, 0.4]);
    expect(measurement?.distribution?.alphaPerBoundary).toBeCloseTo(0.025, 12);
  });

  it('without reference data: no distance, and never a breach', () => {
    const check = guardrail();
    const measurement = distributionMeasurementOf(check, window, wider, { kind: 'control', stats: null });
    expect(measurement?.difference).toEqual({});
    expect(judgeGuardrail(check, wave, measurement, 0).outcome).toBe('no-data');
  });

  it('plain values without a sketch: insufficient, with why', () => {
    const check = guardrail();
    const moments = {
      kind: 'moments',
      count: 500,
      sum: 100,
      sumSquares: 30,
      min: 0,
      max: 1,
      last: null,
    } as const;
    const measurement = distributionMeasurementOf(check, window, wider, { kind: 'control', stats: moments });
    expect(measurement?.notes?.join(' ')).toMatch(/control: a distribution needs a histogram or raw values/);
    expect(judgeGuardrail(check, wave, measurement, 0).outcome).toBe('no-data');
  });
});
