import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './distribution-scenarios.ts';
import { simulateScenario } from './distribution-simulation.ts';

/**
 * The distribution check under continuous monitoring (STATISTICS.md §3), CI-sized: seeded runs, a decision
 * every simulated second for an hour, tolerance 0.02, confidence 0.95, minSamples 100. The full tables come
 * from `pnpm simulate:distribution`.
 */
const CONFIDENCE = 0.95;

describe('distribution check, simulated (seeded)', () => {
  it('A/A, 10 observations/s per cohort, 1 hour: false breaches within 1 − confidence', () => {
    const summary = simulateScenario({
      treatment: SCENARIOS['same distribution (A/A)'],
      perSecond: 10,
      seconds: 3600,
      seed: 1206,
      runs: 40,
      guardrails: ['distribution'],
    });
    console.log(
      `distribution A/A, 40 runs × 3600 evaluations: ${(summary.acted.distribution * 100).toFixed(1)}%`,
    );
    expect(summary.acted.distribution).toBeLessThanOrEqual(1 - CONFIDENCE);
  });

  it('A/A, 1,000 observations/s per cohort, 10 minutes: no false breach', () => {
    const summary = simulateScenario({
      treatment: SCENARIOS['same distribution (A/A)'],
      perSecond: 1000,
      seconds: 600,
      seed: 99,
      runs: 2,
      guardrails: ['distribution'],
    });
    expect(summary.acted.distribution).toBe(0);
  });

  // 100 observations/s per cohort, 4 runs each: every change is caught by the distribution check, and each
  // shows which one-number guardrail (mean, p50, p99 at "+10%") is blind to it.
  it.each([
    ['variance doubled, same mean', { mean: 0, p50: 0, p99: 1 }],
    ['a slow mode with 5 % of requests', { mean: 1, p50: 0, p99: 1 }],
    ['the tail between p95 and p99 moved up', { mean: 0, p50: 0, p99: 0 }],
  ] as const)('%s: detected by the distribution check; mean/p50/p99 act in %j of runs', (name, others) => {
    const summary = simulateScenario({
      treatment: SCENARIOS[name],
      perSecond: 100,
      seconds: 3600,
      seed: 4200,
      runs: 4,
    });
    console.log(`${name}, 100/s: ${JSON.stringify(summary)}`);
    expect(summary.acted.distribution).toBe(1);
    expect(summary.medianSeconds.distribution).toBeLessThan(300);
    expect({ mean: summary.acted.mean, p50: summary.acted.p50, p99: summary.acted.p99 }).toEqual(others);
  });
});
