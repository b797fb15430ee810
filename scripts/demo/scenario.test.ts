import { describe, expect, it } from 'vitest';
import { type Contact, DEMO_SCENARIO, drawContact, seededRandom, type TrafficMode } from './scenario.ts';

function draw(mode: TrafficMode, n: number, seed = 1): Contact[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => drawContact(DEMO_SCENARIO, mode, random));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

describe('the demo scenario', () => {
  it('is the same traffic for the same seed', () => {
    expect(draw({ treatmentPercent: 25, regressed: false }, 50, 9)).toEqual(
      draw({ treatmentPercent: 25, regressed: false }, 50, 9),
    );
  });

  it.each([0, 25, 50, 100])('gives the copilot to the wave percent of contacts (%i%%)', (percent) => {
    const contacts = draw({ treatmentPercent: percent, regressed: false }, 20_000);
    expect(share(contacts.map((c) => c.cohort === 'treatment')) * 100).toBeCloseTo(percent, -0.5);
  });

  it('has the effects the demo relies on, far from every limit of the demo spec', () => {
    const contacts = draw({ treatmentPercent: 50, regressed: false }, 40_000);
    const t = contacts.filter((c) => c.cohort === 'treatment');
    const c = contacts.filter((x) => x.cohort === 'control');
    // handle time −20% (criterion: at most −10%; guardrail: at most +5%)
    expect(mean(t.map((x) => x.handleSeconds)) / mean(c.map((x) => x.handleSeconds)) - 1).toBeCloseTo(
      -0.2,
      1,
    );
    // CSAT unchanged (criterion: at least −1)
    expect(Math.abs(mean(t.map((x) => x.csat)) - mean(c.map((x) => x.csat)))).toBeLessThan(0.05);
    // compliance errors 1% (guardrail: at most 4% in wave 25, 3% after)
    expect(share(t.map((x) => x.complianceError))).toBeLessThan(0.015);
    // adoption: copilot sessions per closed shift ≈ 0.92 (criterion: at least 0.8)
    expect(share(t.filter((x) => x.closesShift).map((x) => x.copilotSession))).toBeCloseTo(0.92, 1);
    // copilot latency capped at 1.5 s (guardrail: p99 at most 2 s); no copilot, no latency, for control
    expect(Math.max(...t.map((x) => x.copilotLatencySeconds ?? 0))).toBeLessThanOrEqual(1.5);
    expect(c.every((x) => x.copilotLatencySeconds === null && !x.copilotSession)).toBe(true);
  });

  it('regresses compliance errors in the treatment only, to five times the 3% limit', () => {
    const contacts = draw({ treatmentPercent: 50, regressed: true }, 40_000);
    const errors = (cohort: string) =>
      share(contacts.filter((x) => x.cohort === cohort).map((x) => x.complianceError));
    expect(errors('treatment')).toBeCloseTo(0.15, 1);
    expect(errors('control')).toBeLessThan(0.015);
  });
});
