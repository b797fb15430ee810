import binomial from '@stdlib/random-base-binomial';
import normal from '@stdlib/random-base-normal';
import { describe, expect, it } from 'vitest';
import { specFixture } from '../decision/spec-fixture.ts';
import type { GuardrailInput, SuccessCriterionInput } from '../spec/index.ts';
import type { AllowedInput } from '../spec/limit.ts';
import type { CohortStats } from '../stats/cohort-stats.ts';
import type { IntervalResult } from '../stats/interval-result.ts';
import type { Moments } from '../stats/moments.ts';
import { ratioOf } from '../stats/ratio.ts';
import {
  meanDifferenceInterval,
  meanInterval,
  proportionDifferenceInterval,
  proportionInterval,
} from '../stats/sequential-interval.ts';
import { type CheckExpectationInput, planAssumptionsSchema } from './assumptions.ts';
import { planRollout } from './plan.ts';

/**
 * The planner's predictions against seeded simulations of what the evaluator does: per second, each cohort
 * gets its share of the traffic, the interval is computed by the stats module exactly as live, and judged
 * every second with minSamples 100.
 * - guardrails: the median over runs of the first second the whole interval lies beyond the limit;
 * - success criteria: the first bake at which at least half the runs would find the check conclusive.
 */

interface Scenario {
  readonly name: string;
  readonly check: (GuardrailInput | SuccessCriterionInput) & {
    readonly role: 'guardrail' | 'criterion';
    readonly allowed: AllowedInput;
  };
  readonly percent: number;
  readonly traffic: number;
  readonly expectation: CheckExpectationInput;
  /** The truth the simulation draws from: proportions, or means with their spread. */
  readonly truth: { readonly treatment: number; readonly control: number; readonly sd?: number };
}

const ratio = { ratio: { numerator: 'errors_total', denominator: 'requests_total' } };

const scenarios: Scenario[] = [
  {
    name: 'errors 1% → 2% vs control, max 0, 2,000/min per cohort',
    check: { role: 'guardrail', name: 'g', metric: ratio, compare: 'control', allowed: { max: 0 } },
    percent: 50,
    traffic: 4000,
    expectation: { value: 0.01, breach: 0.01 },
    truth: { treatment: 0.02, control: 0.01 },
  },
  {
    name: 'errors 5% → 8% vs control, max +1 point, 25% of 1,200/min',
    check: { role: 'guardrail', name: 'g', metric: ratio, compare: 'control', allowed: { max: 0.01 } },
    percent: 25,
    traffic: 1200,
    expectation: { value: 0.05, breach: 0.03 },
    truth: { treatment: 0.08, control: 0.05 },
  },
  {
    name: 'errors 1% → 2% vs control, max +20%, 25% of 10,000/min',
    check: { role: 'guardrail', name: 'g', metric: ratio, compare: 'control', allowed: { max: '+20%' } },
    percent: 25,
    traffic: 10_000,
    expectation: { value: 0.01, breach: 1 },
    truth: { treatment: 0.02, control: 0.01 },
  },
  {
    name: 'absolute errors at 5% against max 3%, 25% of 800/min',
    check: { role: 'guardrail', name: 'g', metric: ratio, allowed: { max: 0.03 } },
    percent: 25,
    traffic: 800,
    expectation: { value: 0.02, breach: 0.05 },
    truth: { treatment: 0.05, control: 0.05 },
  },
  {
    name: 'mean latency 20% slower vs control, max +5%, 50% of 600/min',
    check: {
      role: 'guardrail',
      name: 'g',
      metric: 'latency_seconds',
      aggregate: 'mean',
      compare: 'control',
      allowed: { max: '+5%' },
    },
    percent: 50,
    traffic: 600,
    expectation: { value: 1, sd: 0.5, breach: 0.2 },
    truth: { treatment: 1.2, control: 1, sd: 0.5 },
  },
  {
    name: 'no difference in errors, criterion max +50%, 50% of 6,000/min',
    check: { role: 'criterion', name: 'c', metric: ratio, compare: 'control', allowed: { max: '+50%' } },
    percent: 50,
    traffic: 6000,
    expectation: { value: 0.02 },
    truth: { treatment: 0.02, control: 0.02 },
  },
  {
    name: 'absolute errors 2% against max 3%, 25% of 2,000/min',
    check: { role: 'criterion', name: 'c', metric: ratio, allowed: { max: 0.03 } },
    percent: 25,
    traffic: 2000,
    expectation: { value: 0.02 },
    truth: { treatment: 0.02, control: 0.02 },
  },
  {
    name: 'CSAT no worse than −0.2 vs control, sd 1, 50% of 300/min',
    check: {
      role: 'criterion',
      name: 'c',
      metric: 'csat_score',
      aggregate: 'mean',
      compare: 'control',
      allowed: { min: -0.2 },
    },
    percent: 50,
    traffic: 300,
    expectation: { value: 4, sd: 1 },
    truth: { treatment: 4, control: 4, sd: 1 },
  },
];

const MIN_SAMPLES = 100;

function specOf(s: Scenario) {
  const { role, ...check } = s.check;
  return specFixture({
    waves: [
      { percent: s.percent, bake: '1d' },
      { percent: 100, bake: '1d' },
    ],
    guardrails: role === 'guardrail' ? [check] : [],
    successCriteria: role === 'criterion' ? [check] : [],
  });
}

/** One cohort's running sufficient statistics. */
class Cohort {
  errors = 0;
  requests = 0;
  moments: Moments = { kind: 'moments', count: 0, sum: 0, sumSquares: 0, min: null, max: null, last: null };
  constructor(
    private readonly scenario: Scenario,
    private readonly value: number,
    private readonly draw: {
      binomial: (n: number, p: number) => number;
      normal: (m: number, s: number) => number;
    },
  ) {}
  add(n: number): void {
    this.requests += n;
    if (this.scenario.truth.sd === undefined) {
      this.errors += this.draw.binomial(n, this.value);
      return;
    }
    const m = this.moments;
    let { sum, sumSquares, min, max } = m;
    for (let i = 0; i < n; i++) {
      const x = this.draw.normal(this.value, this.scenario.truth.sd);
      sum += x;
      sumSquares += x * x;
      min = min === null ? x : Math.min(min, x);
      max = max === null ? x : Math.max(max, x);
    }
    this.moments = { ...m, count: m.count + n, sum, sumSquares, min, max };
  }
  stats(): CohortStats {
    return this.scenario.truth.sd === undefined ? ratioOf(this.errors, this.requests) : this.moments;
  }
}

function intervalOf(s: Scenario, t: Cohort, c: Cohort): IntervalResult {
  const opts = { confidence: 0.95, relative: typeof Object.values(s.check.allowed)[0] === 'string' };
  const mean = s.truth.sd !== undefined;
  if ((s.check.compare ?? 'absolute') === 'absolute') {
    return mean ? meanInterval(t.stats(), opts) : proportionInterval(t.stats(), opts);
  }
  return mean
    ? meanDifferenceInterval(t.stats(), c.stats(), opts)
    : proportionDifferenceInterval(t.stats(), c.stats(), opts);
}

/** Whether the interval lies beyond (guardrail) or wholly inside (criterion) the limit. */
function judged(s: Scenario, r: IntervalResult): boolean {
  if (r.status !== 'ok') return false;
  const limit = (v: number | string | undefined) =>
    v === undefined ? undefined : typeof v === 'string' ? Number(v.slice(0, -1)) / 100 : v;
  const max = limit(s.check.allowed.max);
  const min = limit(s.check.allowed.min);
  if (s.check.role === 'guardrail')
    return (max !== undefined && r.lower > max) || (min !== undefined && r.upper < min);
  return (max === undefined || r.upper < max) && (min === undefined || r.lower > min);
}

/** Per second of one run: whether the check was judged (breached / conclusive) then. */
function run(s: Scenario, seconds: number, seed: number, stopAtFirst: boolean): boolean[] {
  const draw = { binomial: binomial.factory({ seed }), normal: normal.factory({ seed: seed + 1 }) };
  const t = new Cohort(s, s.truth.treatment, draw);
  const c = new Cohort(s, s.truth.control, draw);
  const perSecond = (share: number, second: number) =>
    Math.floor(((second + 1) * s.traffic * share) / 60) - Math.floor((second * s.traffic * share) / 60);
  const seen: boolean[] = [];
  for (let second = 0; second < seconds; second++) {
    t.add(perSecond(s.percent / 100, second));
    c.add(perSecond(1 - s.percent / 100, second));
    const enough = t.requests >= MIN_SAMPLES && (s.check.compare === undefined || c.requests >= MIN_SAMPLES);
    const hit = enough && judged(s, intervalOf(s, t, c));
    seen.push(hit);
    if (hit && stopAtFirst) break;
  }
  return seen;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function simulatedMinutes(s: Scenario, predicted: number, runs: number): number {
  const seconds = Math.ceil(predicted * 60 * 3);
  if (s.check.role === 'guardrail') {
    const firsts = Array.from({ length: runs }, (_, i) => {
      const seen = run(s, seconds, 1000 + i, true);
      const at = seen.indexOf(true);
      return at === -1 ? Number.POSITIVE_INFINITY : (at + 1) / 60;
    });
    return median(firsts);
  }
  const conclusive = new Array<number>(seconds).fill(0);
  for (let i = 0; i < runs; i++) {
    run(s, seconds, 5000 + i, false).forEach((hit, second) => {
      if (hit) conclusive[second]! += 1;
    });
  }
  const at = conclusive.findIndex((n) => n >= runs / 2);
  return at === -1 ? Number.POSITIVE_INFINITY : (at + 1) / 60;
}

describe('planner predictions against seeded simulations', () => {
  it.each(scenarios)('$name: predicted and simulated median time to decision within 25%', (s) => {
    const result = planRollout(
      specOf(s),
      planAssumptionsSchema.parse({ traffic: s.traffic, checks: { [s.check.name]: s.expectation } }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const plan = result.plan.waves[0]!.checks[0]!;
    expect(plan.method).toBe('interval');
    const predicted = (s.check.role === 'guardrail' ? plan.breach?.minutes : plan.verdict?.minutes) ?? null;
    expect(predicted).not.toBeNull();
    const simulated = simulatedMinutes(s, predicted!, s.check.role === 'guardrail' ? 101 : 81);
    console.log(
      `${s.name}: predicted ${predicted!.toFixed(2)} min, simulated ${simulated.toFixed(2)} min (${((predicted! / simulated - 1) * 100).toFixed(0)}%)`,
    );
    expect(Math.abs(predicted! / simulated - 1)).toBeLessThanOrEqual(0.25);
  });
});
