import binomial from '@stdlib/random-base-binomial';
import quantileOfNormal from '@stdlib/stats-base-dists-normal-quantile';
import { describe, expect, it } from 'vitest';
import type { IntervalResult } from './interval-result.ts';
import { ratioOf } from './ratio.ts';
import { proportionDifferenceInterval } from './sequential-interval.ts';

/**
 * Decision quality as PRODUCT.md states it, simulated per second from sufficient statistics
 * (requests and errors per cohort per second) rather than per request, with a fixed seed.
 *
 * The guardrail: ratio errors/requests, compare: control, allowed: { max: 0 }, confidence 0.95,
 * minSamples 100 per cohort, consecutive 1 — breached when the whole interval lies above 0.
 */
const CONFIDENCE = 0.95;
const MIN_SAMPLES = 100;
const PER_MINUTE = 2000;
const requestsInSecond = (s: number) =>
  Math.floor(((s + 1) * PER_MINUTE) / 60) - Math.floor((s * PER_MINUTE) / 60);

type Judge = (t: { errors: number; requests: number }, c: { errors: number; requests: number }) => boolean;

/** The interval the evaluator would compute; remembered for the step so two judges share it. */
let lastKey = '';
let lastInterval: IntervalResult | null = null;
function intervalAt(t: { errors: number; requests: number }, c: { errors: number; requests: number }) {
  const key = `${t.errors}/${t.requests}/${c.errors}/${c.requests}`;
  if (key !== lastKey || lastInterval === null) {
    lastKey = key;
    lastInterval = proportionDifferenceInterval(
      ratioOf(t.errors, t.requests),
      ratioOf(c.errors, c.requests),
      {
        confidence: CONFIDENCE,
      },
    );
  }
  return lastInterval;
}

const sequentialJudge: Judge = (t, c) => {
  const r = intervalAt(t, c);
  return r.status === 'ok' && r.lower > 0;
};

/** Either side: what a guardrail with both a min and a max would see. */
const sequentialEitherSide: Judge = (t, c) => {
  const r = intervalAt(t, c);
  return r.status === 'ok' && (r.lower > 0 || r.upper < 0);
};

const z = quantileOfNormal(1 - (1 - CONFIDENCE) / 2, 0, 1);
/** What a dashboard rule does: a fixed-sample two-proportion z interval, recomputed every second. */
const naiveJudge: Judge = (t, c) => {
  const pt = t.errors / t.requests;
  const pc = c.errors / c.requests;
  const se = Math.sqrt((pt * (1 - pt)) / t.requests + (pc * (1 - pc)) / c.requests);
  return se > 0 && pt - pc - z * se > 0;
};

/**
 * One simulated run: per second, each cohort gets its requests and a binomial number of errors;
 * every judge sees the same data. Returns, per judge, the second of its first breach or null.
 */
function firstBreaches(
  draw: (n: number, p: number) => number,
  pTreatment: number,
  pControl: number,
  seconds: number,
  judges: readonly Judge[],
): (number | null)[] {
  const t = { errors: 0, requests: 0 };
  const c = { errors: 0, requests: 0 };
  const first: (number | null)[] = judges.map(() => null);
  let open = judges.length;
  for (let s = 0; s < seconds && open > 0; s++) {
    const n = requestsInSecond(s);
    t.requests += n;
    c.requests += n;
    t.errors += draw(n, pTreatment);
    c.errors += draw(n, pControl);
    if (t.requests < MIN_SAMPLES || c.requests < MIN_SAMPLES) continue;
    judges.forEach((judge, j) => {
      if (first[j] === null && judge(t, c)) {
        first[j] = s + 1;
        open -= 1;
      }
    });
  }
  return first;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

describe('sequential guardrail under continuous monitoring (simulated, seeded)', () => {
  it('A/A for an hour, evaluated every second: false breaches ≤ 1 − confidence; naive peeking is far worse', () => {
    const runs = 500;
    const draw = binomial.factory({ seed: 20261121 });
    let falseSequential = 0;
    let falseNaive = 0;
    let falseEitherSide = 0;
    for (let i = 0; i < runs; i++) {
      const [sequential, naive, either] = firstBreaches(draw, 0.01, 0.01, 3600, [
        sequentialJudge,
        naiveJudge,
        sequentialEitherSide,
      ]);
      if (sequential !== null) falseSequential += 1;
      if (either !== null) falseEitherSide += 1;
      if (naive !== null) falseNaive += 1;
    }
    const rate = falseSequential / runs;
    const naiveRate = falseNaive / runs;
    console.log(
      `A/A, ${runs} runs × 3600 evaluations: sequential false-breach rate ${(rate * 100).toFixed(1)}%, ` +
        `(either side ${((falseEitherSide / runs) * 100).toFixed(1)}%), ` +
        `naive fixed-sample z-test ${(naiveRate * 100).toFixed(1)}%`,
    );
    expect(falseEitherSide / runs).toBeLessThanOrEqual(1 - CONFIDENCE);
    expect(rate).toBeLessThanOrEqual(1 - CONFIDENCE);
    expect(naiveRate).toBeGreaterThan(3 * Math.max(rate, 0.02));
  });

  it('a 1% error rate doubling to 2% at 2,000 requests/min per cohort is caught within 5 minutes in ≥ 95% of runs', () => {
    const runs = 200;
    const draw = binomial.factory({ seed: 7 });
    const times: number[] = [];
    let within5 = 0;
    for (let i = 0; i < runs; i++) {
      const [t = null] = firstBreaches(draw, 0.02, 0.01, 900, [sequentialJudge]);
      times.push(t ?? Number.POSITIVE_INFINITY);
      if (t !== null && t <= 300) within5 += 1;
    }
    const rate = within5 / runs;
    const med = median(times);
    console.log(
      `doubling 1% → 2%, ${runs} runs: detected within 5 min in ${(rate * 100).toFixed(1)}%, ` +
        `median time to detect ${(med / 60).toFixed(2)} min`,
    );
    expect(rate).toBeGreaterThanOrEqual(0.95);
    expect(med).toBeGreaterThan(30);
    expect(med).toBeLessThan(240);
  });
});
