import type { Guardrail } from '@rollout-guard/shared/spec';
import {
  type Aggregation,
  absoluteInterval,
  aggregate,
  bucketIndexOf,
  type CohortStats,
  emptyHistogram,
  emptyMoments,
  ratioOf,
  sampleCount,
} from '@rollout-guard/shared/stats';
import { measurementFromStats } from './from-stats.ts';
import { countBreach } from './guardrail.ts';
import { assess } from './placement.ts';
import { trailingWindow } from './trailing-window.ts';

// Seeded simulations of the verdict rules: simulated traffic, second by second, judged by the same code the
// evaluator runs (the stats module's interval → measurementFromStats → the placement and consecutive count of
// judgeGuardrail, without writing its evidence). Used by the simulation tests and, with more runs, by `pnpm simulate:decisions`, whose output
// STATISTICS.md records. Pure: the random draws come in as functions.

/** What one evaluation sees: the treatment's statistic over its window, and the confidence to compute at. */
export interface WindowReading {
  readonly stats: CohortStats;
  /** The window's length, for `rate`. */
  readonly seconds: number;
  /** The confidence of the interval (a trailing window's restart spends less than the check's). */
  readonly confidence: number;
}

/** Adds one second of traffic and returns what an evaluation at its end would read. */
export type Traffic = (second: number) => WindowReading;

export interface RunOptions {
  /** Guardrails judged on the same data, e.g. one with `judge: interval` and one with `judge: value`. */
  readonly rules: readonly Guardrail[];
  readonly how: Aggregation;
  readonly seconds: number;
  /** Evaluate every this many seconds (default 1). */
  readonly every?: number;
  readonly minSamples?: number;
}

/** The wave the simulated guardrails are judged in. */
const WAVE = { percent: 25 } as const;

/**
 * One simulated run. Returns, per rule, the second (counted from 1) at whose end its guardrail first acted,
 * or null if it never did.
 */
export function firstActions(options: RunOptions, traffic: Traffic): (number | null)[] {
  const { rules, how, seconds } = options;
  const every = options.every ?? 1;
  const wave = { ...WAVE, minSamples: options.minSamples ?? 100 };
  const first: (number | null)[] = rules.map(() => null);
  const counts = rules.map(() => 0);
  let open = rules.length;
  for (let s = 0; s < seconds && open > 0; s++) {
    const reading = traffic(s);
    if ((s + 1) % every !== 0) continue;
    const value = aggregate(reading.stats, how, { windowSeconds: reading.seconds });
    const measurement = measurementFromStats({
      window: { from: 0, to: (s + 1) * 1000, label: 'simulated' },
      confidence: rules[0]?.confidence ?? reading.confidence,
      treatment: {
        samples: sampleCount(reading.stats),
        value: value.ok ? value.value : null,
        interval: absoluteInterval(reading.stats, how, {
          confidence: reading.confidence,
          windowSeconds: reading.seconds,
        }),
      },
    });
    rules.forEach((rule, i) => {
      if (first[i] !== null) return;
      // judgeGuardrail without the evidence it would write: the same placement and the same count
      const judged = countBreach(assess(rule, wave, measurement), counts[i] ?? 0, rule.consecutive);
      counts[i] = judged.consecutive;
      if (judged.acts) {
        first[i] = s + 1;
        open -= 1;
      }
    });
  }
  return first;
}

/** Whole events in second `s` at a steady `perSecond` (fractional rates spread evenly). */
export function eventsInSecond(perSecond: number, s: number): number {
  return Math.floor((s + 1) * perSecond) - Math.floor(s * perSecond);
}

/** Requests with a true error rate `p`, counted since the wave began (`window: wave`). */
export function ratioTraffic(
  draw: (n: number, p: number) => number,
  perSecond: number,
  p: number,
  confidence: number,
): Traffic {
  let errors = 0;
  let requests = 0;
  return (s) => {
    const n = eventsInSecond(perSecond, s);
    requests += n;
    errors += n > 0 ? draw(n, p) : 0;
    return { stats: ratioOf(errors, requests), seconds: s + 1, confidence };
  };
}

/**
 * Requests with a true error rate `p` judged over a trailing window of `windowSeconds`: `restarts` as the
 * evaluator reads it (`trailingWindow`: from a restart, at its share of the error budget), or `sliding` — the
 * last `windowSeconds` at the check's confidence, the way trailing windows were judged before restarts.
 */
export function trailingRatioTraffic(
  draw: (n: number, p: number) => number,
  perSecond: number,
  p: number,
  confidence: number,
  windowSeconds: number,
  mode: 'restarts' | 'sliding',
): Traffic {
  // prefix sums per second: errorsUpTo[s] = errors in seconds [0, s)
  const errorsUpTo: number[] = [0];
  const requestsUpTo: number[] = [0];
  return (s) => {
    const n = eventsInSecond(perSecond, s);
    requestsUpTo.push((requestsUpTo[s] ?? 0) + n);
    errorsUpTo.push((errorsUpTo[s] ?? 0) + (n > 0 ? draw(n, p) : 0));
    const now = s + 1;
    let from = Math.max(0, now - windowSeconds);
    let spent = confidence;
    if (mode === 'restarts') {
      const window = trailingWindow(0, now * 1000, windowSeconds * 1000, confidence);
      from = Math.ceil(window.from / 1000);
      spent = window.confidence;
    }
    const errors = (errorsUpTo[now] ?? 0) - (errorsUpTo[from] ?? 0);
    const requests = (requestsUpTo[now] ?? 0) - (requestsUpTo[from] ?? 0);
    return { stats: ratioOf(errors, requests), seconds: now - from, confidence: spent };
  };
}

/** Latencies e^N(mu, sigma) (log-normal, skewed like real ones) as moments since the wave began. */
export function latencyMoments(
  draw: (mu: number, sigma: number) => number,
  perSecond: number,
  mu: number,
  sigma: number,
  confidence: number,
): Traffic {
  const m = emptyMoments();
  return (s) => {
    for (let i = eventsInSecond(perSecond, s); i > 0; i--) {
      const v = Math.exp(draw(mu, sigma));
      m.count += 1;
      m.sum += v;
      m.sumSquares += v * v;
      m.min = m.min === null ? v : Math.min(m.min, v);
      m.max = m.max === null ? v : Math.max(m.max, v);
    }
    return { stats: m, seconds: s + 1, confidence };
  };
}

/** Latencies e^N(mu, sigma) in an explicit histogram with the given bucket bounds, since the wave began. */
export function latencyHistogram(
  draw: (mu: number, sigma: number) => number,
  perSecond: number,
  mu: number,
  sigma: number,
  bounds: readonly number[],
  confidence: number,
): Traffic {
  const h = emptyHistogram(bounds);
  return (s) => {
    for (let i = eventsInSecond(perSecond, s); i > 0; i--) {
      const v = Math.exp(draw(mu, sigma));
      const b = bucketIndexOf(bounds, v);
      h.counts[b] = (h.counts[b] ?? 0) + 1;
      h.count += 1;
      h.sum += v;
    }
    return { stats: h, seconds: s + 1, confidence };
  };
}

/** The median of finite and infinite values (a run that never acted counts as +∞). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
