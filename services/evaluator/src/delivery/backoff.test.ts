import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, nextDelay } from './backoff.ts';

const hour = 60 * 60_000;
const day = 24 * hour;
const t0 = Date.parse('2026-11-21T10:00:00Z');
const low = (): number => 0;
const high = (): number => 0.999_999;

type Case = [
  attempt: number,
  elapsed: number,
  retryAfterMs: number | undefined,
  rng: () => number,
  expected: number | 'give-up',
];

describe('nextDelay', () => {
  it.each<Case>([
    // attempt, now (ms after the first attempt), retryAfterMs, rng, expected
    [1, 0, undefined, low, 500],
    [1, 0, undefined, high, 1_000],
    [2, 1_000, undefined, low, 1_000],
    [5, 60_000, undefined, low, 8_000],
    [12, 3 * hour, undefined, low, 1_024_000],
    [13, 3 * hour, undefined, low, 2_048_000],
    [40, 10 * hour, undefined, () => 0.5, 3_072_000],
    [3, 0, 30_000, low, 30_000],
    [3, 0, 1_000, high, 4_000],
    [30, day - 10_000, undefined, low, 10_000],
    [30, day, undefined, low, 'give-up'],
    [30, day + 1, undefined, low, 'give-up'],
    [2, day - hour, 2 * hour, low, 'give-up'],
  ])('attempt %i at +%i ms, Retry-After %s → %s', (attempt, elapsed, retryAfter, rng, expected) => {
    expect(nextDelay(attempt, t0, t0 + elapsed, retryAfter, rng)).toBe(expected);
  });

  const attempts = fc.integer({ min: 1, max: 200 });
  const draws = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
  const elapsed = fc.integer({ min: 0, max: 2 * day });

  it('never schedules an attempt later than 24 h after the first', () => {
    fc.assert(
      fc.property(
        attempts,
        elapsed,
        fc.option(fc.integer({ min: 0, max: 3 * day }), { nil: undefined }),
        draws,
        (n, e, ra, r) => {
          const delay = nextDelay(n, t0, t0 + e, ra, () => r);
          if (delay === 'give-up') return;
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(e + delay).toBeLessThanOrEqual(defaultRetryPolicy.giveUpAfterMs);
        },
      ),
    );
  });

  it('never retries sooner than Retry-After asks', () => {
    fc.assert(
      fc.property(attempts, elapsed, fc.integer({ min: 0, max: 3 * day }), draws, (n, e, ra, r) => {
        const delay = nextDelay(n, t0, t0 + e, ra, () => r);
        if (delay !== 'give-up') expect(delay).toBeGreaterThanOrEqual(ra);
      }),
    );
  });

  it('grows: each delay is at least the previous one whatever the draws, then stays between half the cap and the cap', () => {
    const { capMs } = defaultRetryPolicy;
    fc.assert(
      fc.property(attempts, draws, draws, (n, r1, r2) => {
        const a = nextDelay(n, t0, t0, undefined, () => r1) as number;
        const b = nextDelay(n + 1, t0, t0, undefined, () => r2) as number;
        if (b < capMs / 2) expect(b).toBeGreaterThanOrEqual(a);
        else {
          expect(b).toBeGreaterThanOrEqual(Math.min(a, capMs / 2));
          expect(b).toBeLessThanOrEqual(capMs);
        }
      }),
    );
    for (let n = 1; n <= 12; n++) {
      expect(nextDelay(n + 1, t0, t0, undefined, low)).toBeGreaterThanOrEqual(
        nextDelay(n, t0, t0, undefined, high) as number,
      );
    }
  });

  it('gives up only at the deadline or when Retry-After points past it', () => {
    fc.assert(
      fc.property(attempts, elapsed, draws, (n, e, r) => {
        expect(nextDelay(n, t0, t0 + e, undefined, () => r) === 'give-up').toBe(e >= day);
      }),
    );
  });

  it('runs out the 24 h in a bounded number of attempts when every attempt fails', () => {
    let now = t0;
    let attempt = 1;
    for (;;) {
      const delay = nextDelay(attempt, t0, now, undefined, Math.random);
      if (delay === 'give-up') break;
      now += delay;
      attempt += 1;
    }
    expect(now - t0).toBe(day);
    expect(attempt).toBeGreaterThan(24);
    expect(attempt).toBeLessThan(70);
  });
});
