import binomial from '@stdlib/random-base-binomial';
import { describe, expect, it } from 'vitest';
import { type BacktestSource, replay } from './replay.ts';
import { errorRatioSpec } from './spec-fixture.ts';

const T0 = Date.UTC(2026, 10, 1);
const MINUTE = 60_000;

/**
 * Recorded counters in memory, per 10 s step: requests and errors per cohort, errors drawn from a seeded
 * binomial at a rate that may change at a given time.
 */
function recorded(options: {
  minutes: number;
  perMinute: number;
  control: number;
  treatment: (at: number) => number;
  seed: number;
}): BacktestSource {
  const draw = binomial.factory({ seed: options.seed });
  const steps: { at: number; treatment: [number, number]; control: [number, number] }[] = [];
  const perStep = Math.round(options.perMinute / 6);
  for (let at = T0; at < T0 + options.minutes * MINUTE; at += 10_000) {
    steps.push({
      at,
      treatment: [draw(perStep, options.treatment(at)), perStep],
      control: [draw(perStep, options.control), perStep],
    });
  }
  return {
    async read(metric, cohort, fromMs, toMs) {
      const inRange = steps.filter((s) => s.at >= fromMs && s.at < toMs);
      if (inRange.length === 0) return null;
      const pick = (s: (typeof steps)[number]) =>
        cohort === 'baseline'
          ? [s.treatment[0] + s.control[0], s.treatment[1] + s.control[1]]
          : cohort === 'treatment'
            ? s.treatment
            : s.control;
      const index = metric === 'errors_total' ? 0 : 1;
      return { kind: 'counter', increase: inRange.reduce((sum, s) => sum + pick(s)[index]!, 0), resets: 0 };
    },
  };
}

const spec = errorRatioSpec('replayed', '20m');

describe('replay', () => {
  it('on data with no real difference goes through every wave, approvals given at once', async () => {
    const source = recorded({ minutes: 60, perMinute: 2000, control: 0.01, treatment: () => 0.01, seed: 3 });
    const result = await replay({ spec, from: T0, to: T0 + 60 * MINUTE, intervalMs: 10_000, source });
    expect(result.phase).toBe('completed');
    expect(result.waves.map((w) => [w.index, w.outcome])).toEqual([
      [1, 'go'],
      [2, 'go'],
    ]);
    expect(result.waves[1]!.startedAt).toBe(T0 + 20 * MINUTE);
    expect(result.decisions.map((d) => d.kind)).toEqual([
      'advance',
      'verdict',
      'advance',
      'verdict',
      'completed',
    ]);
    expect(result.decisions.every((d) => !d.shadow)).toBe(true);
  });

  it('rolls back after a real breach starts, with the evidence a live rollback carries', async () => {
    const breachAt = T0 + 8 * MINUTE;
    const source = recorded({
      minutes: 60,
      perMinute: 2000,
      control: 0.01,
      treatment: (at) => (at >= breachAt ? 0.05 : 0.01),
      seed: 4,
    });
    const result = await replay({ spec, from: T0, to: T0 + 60 * MINUTE, intervalMs: 10_000, source });
    expect(result.phase).toBe('rolled-back');
    const [wave] = result.waves;
    expect(wave).toMatchObject({ index: 1, outcome: 'rolled-back' });
    expect(wave!.endedAt).toBeGreaterThan(breachAt);
    expect(wave!.endedAt! - breachAt).toBeLessThan(5 * MINUTE);
    const rollback = result.decisions.find((d) => d.id === wave!.decisionId)!;
    expect(rollback.checks[0]).toMatchObject({ check: 'errors', outcome: 'breached', compare: 'control' });
    expect(wave!.why).toContain('guardrail errors breached in wave 1 (50%)');
  });

  it('ignores shadow mode: the question is what the rollout would have done', async () => {
    const source = recorded({ minutes: 30, perMinute: 2000, control: 0.01, treatment: () => 0.06, seed: 5 });
    const shadow = { ...spec, spec: { ...spec.spec, mode: 'shadow' as const } };
    const result = await replay({ spec: shadow, from: T0, to: T0 + 30 * MINUTE, intervalMs: 10_000, source });
    expect(result.phase).toBe('rolled-back');
  });

  it('says a wave is unfinished when the data ends first', async () => {
    const source = recorded({ minutes: 10, perMinute: 2000, control: 0.01, treatment: () => 0.01, seed: 6 });
    const result = await replay({ spec, from: T0, to: T0 + 10 * MINUTE, intervalMs: 30_000, source });
    expect(result.phase).toBe('wave');
    expect(result.waves).toEqual([
      expect.objectContaining({ index: 1, outcome: 'unfinished', decisionId: null, endedAt: null }),
    ]);
    expect(result.evaluations).toBe(20);
  });
});
