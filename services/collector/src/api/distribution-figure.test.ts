import type { CheckEvidence } from '@rollout-guard/shared/decision';
import { describe, expect, it } from 'vitest';
import { distributionFigure } from './distribution-figure.ts';

const evidence = {
  check: 'latency-shape',
  reference: 'control',
  allowed: { max: 0.02 },
  distribution: {
    points: [
      { boundary: 0.1, treatment: 0.2, reference: 0.1, difference: 0.1, lower: 0.07, upper: 0.13 },
      { boundary: 0.2, treatment: 0.5, reference: 0.5, difference: 0, lower: -0.03, upper: 0.03 },
    ],
    widest: 0,
    alphaPerBoundary: 0.025,
  },
} as unknown as CheckEvidence;

describe('distributionFigure', () => {
  it('draws both distributions and marks where they differ most, with the tolerance', () => {
    const text = distributionFigure(evidence).text;
    expect(text).toContain('data-chart="distribution"');
    expect(text.match(/<polyline /g)).toHaveLength(2);
    expect(text).toContain('stroke="#b3261e"');
    expect(text).toContain('10 points at 0.1 [7, 13]');
    expect(text).toContain('the tolerance is 0.02');
  });

  it('draws nothing for other checks', () => {
    const { distribution: _, ...plain } = evidence;
    expect(distributionFigure(plain).text).toBe('');
  });
});
