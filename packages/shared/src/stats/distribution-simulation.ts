import normalFactory from '@stdlib/random-base-normal';
import { distributionInterval } from './distribution-interval.ts';
import { control, type Sampler } from './distribution-scenarios.ts';
import { bucketIndexOf, type ExplicitHistogram } from './explicit-histogram.ts';
import type { Moments } from './moments.ts';
import { quantileDifferenceInterval } from './quantile-interval.ts';
import { meanDifferenceInterval } from './sequential-interval.ts';

// Per-second simulation of one rollout's treatment and control, judged every second the way the evaluator
// judges a guardrail on its whole interval: the distribution check against its tolerance, and beside it the
// one-number guardrails a team would otherwise write (mean, p50 and p99, each `compare: control` with
// `allowed: { max: "+10%" }`), all on the same data. Seeded: the same numbers on every machine.

/** ×1.2 per bucket from 50 ms to ~4 s, as in the other latency simulations: 25 boundaries. */
export const SIMULATION_BOUNDS = Array.from({ length: 25 }, (_, k) => Number((0.05 * 1.2 ** k).toFixed(4)));

export const GUARDRAILS = ['distribution', 'mean', 'p50', 'p99'] as const;
export type GuardrailName = (typeof GUARDRAILS)[number];

export interface SimulationOptions {
  readonly treatment: Sampler;
  /** Observations per second in each cohort. */
  readonly perSecond: number;
  readonly seconds: number;
  readonly seed: number;
  readonly confidence?: number;
  /** The distribution check's tolerance (default 0.02: two percentage points of requests). */
  readonly tolerance?: number;
  /** The one-number guardrails' relative limit (default 0.10, i.e. "+10%"). */
  readonly relativeLimit?: number;
  readonly minSamples?: number;
  /** Which guardrails to judge (default all); fewer is faster. */
  readonly guardrails?: readonly GuardrailName[];
}

/** The second at which each guardrail first acted in one run; null when it never did. */
export type FirstBreach = Record<GuardrailName, number | null>;

class Cohort {
  readonly counts = new Array<number>(SIMULATION_BOUNDS.length + 1).fill(0);
  moments: Moments = { kind: 'moments', count: 0, sum: 0, sumSquares: 0, min: null, max: null, last: null };

  observe(value: number): void {
    const i = bucketIndexOf(SIMULATION_BOUNDS, value);
    this.counts[i] = this.counts[i]! + 1;
    const m = this.moments;
    m.count += 1;
    m.sum += value;
    m.sumSquares += value * value;
    m.min = m.min === null ? value : Math.min(m.min, value);
    m.max = m.max === null ? value : Math.max(m.max, value);
  }

  histogram(): ExplicitHistogram {
    const m = this.moments;
    return {
      kind: 'histogram',
      bounds: SIMULATION_BOUNDS,
      counts: [...this.counts],
      count: m.count,
      sum: m.sum,
      min: m.min,
      max: m.max,
    };
  }
}

/** One run: both cohorts fed second by second until every judged guardrail acted or time ran out. */
export function simulateRun(o: SimulationOptions): FirstBreach {
  const normal = normalFactory.factory({ seed: o.seed });
  const confidence = o.confidence ?? 0.95;
  const tolerance = o.tolerance ?? 0.02;
  const limit = o.relativeLimit ?? 0.1;
  const minSamples = o.minSamples ?? 100;
  const judged = o.guardrails ?? GUARDRAILS;
  const first: FirstBreach = { distribution: null, mean: null, p50: null, p99: null };
  const t = new Cohort();
  const c = new Cohort();
  for (let second = 1; second <= o.seconds; second++) {
    for (let i = 0; i < o.perSecond; i++) {
      t.observe(o.treatment(normal));
      c.observe(control(normal));
    }
    if (t.moments.count < minSamples) continue;
    const ht = t.histogram();
    const hc = c.histogram();
    const opts = { confidence, relative: true };
    for (const name of judged) {
      if (first[name] !== null) continue;
      let breached: boolean;
      if (name === 'distribution') {
        const { interval } = distributionInterval(ht, hc, { confidence });
        breached = interval.status === 'ok' && interval.lower > tolerance;
      } else {
        const r =
          name === 'mean'
            ? meanDifferenceInterval(t.moments, c.moments, opts)
            : quantileDifferenceInterval(ht, hc, name === 'p50' ? 0.5 : 0.99, opts);
        breached = r.status === 'ok' && r.lower > limit;
      }
      if (breached) first[name] = second;
    }
    if (judged.every((name) => first[name] !== null)) break;
  }
  return first;
}

export interface ScenarioSummary {
  readonly runs: number;
  /** Per guardrail: the share of runs in which it acted within the time simulated. */
  readonly acted: Record<GuardrailName, number>;
  /** Per guardrail: the median second of acting over the runs that acted; null when none did. */
  readonly medianSeconds: Record<GuardrailName, number | null>;
}

/** `runs` seeded runs of one scenario (seeds `seed`, `seed + 2`, …). */
export function simulateScenario(o: SimulationOptions & { readonly runs: number }): ScenarioSummary {
  const results = Array.from({ length: o.runs }, (_, run) => simulateRun({ ...o, seed: o.seed + 2 * run }));
  const judged = o.guardrails ?? GUARDRAILS;
  const acted = {} as Record<GuardrailName, number>;
  const medianSeconds = {} as Record<GuardrailName, number | null>;
  for (const name of GUARDRAILS) {
    const times = judged.includes(name)
      ? results.map((r) => r[name]).filter((x): x is number => x !== null)
      : [];
    acted[name] = times.length / o.runs;
    medianSeconds[name] = median(times);
  }
  return { runs: o.runs, acted, medianSeconds };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
