import normal from '@stdlib/random-base-normal';
import { describe, expect, it } from 'vitest';
import { bucketIndexOf, type ExplicitHistogram } from './explicit-histogram.ts';
import { emptyMoments, type Moments } from './moments.ts';
import { quantileDifferenceInterval } from './quantile-interval.ts';
import { meanDifferenceInterval } from './sequential-interval.ts';

/**
 * A/A coverage of the mean and quantile intervals under continuous monitoring, the way the
 * evaluator uses them: the same data judged again and again as it accumulates. Seeded; values are
 * drawn per observation at a low rate so the whole suite stays at a few seconds.
 */
const CONFIDENCE = 0.95;
const MIN_SAMPLES = 100;

function observe(m: Moments, v: number): void {
  m.count += 1;
  m.sum += v;
  m.sumSquares += v * v;
  m.min = m.min === null ? v : Math.min(m.min, v);
  m.max = m.max === null ? v : Math.max(m.max, v);
}

describe('A/A coverage under continuous monitoring (simulated, seeded)', () => {
  it('means (Welch): a latency-like metric, 10 values/s per cohort, judged every second for an hour', () => {
    const runs = 200;
    const draw = normal.factory({ seed: 4242 });
    let falseBreaches = 0;
    for (let run = 0; run < runs; run++) {
      const t = emptyMoments();
      const c = emptyMoments();
      for (let s = 0; s < 3600; s++) {
        for (let i = 0; i < 10; i++) {
          // skewed like a latency: exp of a normal
          observe(t, Math.exp(draw(-1.5, 0.5)));
          observe(c, Math.exp(draw(-1.5, 0.5)));
        }
        if (t.count < MIN_SAMPLES) continue;
        const r = meanDifferenceInterval(t, c, { confidence: CONFIDENCE, horizon: 6000 });
        if (r.status === 'ok' && (r.lower > 0 || r.upper < 0)) {
          falseBreaches += 1;
          break;
        }
      }
    }
    console.log(
      `means A/A, ${runs} runs × 3600 evaluations: either-side false breach ${((falseBreaches / runs) * 100).toFixed(1)}%`,
    );
    expect(falseBreaches / runs).toBeLessThanOrEqual(1 - CONFIDENCE);
  });

  // ×1.2 per bucket from 50 ms to ~4 s: a quantile is only as sharp as the buckets around it
  const bounds = Array.from({ length: 25 }, (_, k) => Number((0.05 * 1.2 ** k).toFixed(4)));
  const histogram = (counts: number[], n: number): ExplicitHistogram => ({
    kind: 'histogram',
    bounds,
    counts,
    count: n,
    sum: 0,
    min: null,
    max: null,
  });

  /** Seconds until the p99 difference interval excludes 0, judged every 5 s; null if never. */
  function p99Breach(
    draw: (mu: number, sigma: number) => number,
    shift: number,
    seconds: number,
  ): number | null {
    const ct = new Array<number>(bounds.length + 1).fill(0);
    const cc = new Array<number>(bounds.length + 1).fill(0);
    let n = 0;
    for (let s = 0; s < seconds; s++) {
      for (let i = 0; i < 10; i++) {
        const a = bucketIndexOf(bounds, Math.exp(draw(-1.5 + shift, 0.5)));
        const b = bucketIndexOf(bounds, Math.exp(draw(-1.5, 0.5)));
        ct[a] = ct[a]! + 1;
        cc[b] = cc[b]! + 1;
        n += 1;
      }
      if (n < MIN_SAMPLES || s % 5 !== 4) continue;
      const r = quantileDifferenceInterval(histogram(ct, n), histogram(cc, n), 0.99, {
        confidence: CONFIDENCE,
      });
      if (r.status === 'ok' && (r.lower > 0 || r.upper < 0)) return s + 1;
    }
    return null;
  }

  it('p99 from explicit buckets: no false breach judged every 5 s for an hour; a 1.5× slower p99 is caught', () => {
    const draw = normal.factory({ seed: 99 });
    const runs = 100;
    let falseBreaches = 0;
    for (let run = 0; run < runs; run++) if (p99Breach(draw, 0, 3600) !== null) falseBreaches += 1;
    let caught = 0;
    for (let run = 0; run < 20; run++) if (p99Breach(draw, Math.log(1.5), 1800) !== null) caught += 1;
    console.log(
      `p99 A/A, ${runs} runs × 720 evaluations: either-side false breach ${((falseBreaches / runs) * 100).toFixed(1)}%; ` +
        `p99 × 1.5 caught within 30 min in ${caught}/20 runs`,
    );
    expect(falseBreaches / runs).toBeLessThanOrEqual(1 - CONFIDENCE);
    expect(caught).toBeGreaterThanOrEqual(18);
  });
});
