import type { GuardrailInput } from '@rollout-guard/shared/spec';
import type { Aggregation } from '@rollout-guard/shared/stats';
import binomial from '@stdlib/random-base-binomial';
import normal from '@stdlib/random-base-normal';
import {
  firstActions,
  latencyHistogram,
  latencyMoments,
  median,
  ratioTraffic,
  type Traffic,
  trailingRatioTraffic,
} from './guardrail-simulation.ts';
import { specFixture } from './spec-fixture.ts';

// The scenarios STATISTICS.md §5 reports: each returns the share of runs in which a guardrail acted (and when),
// for the interval rule (the default) beside the value rule (`judge: value`), on the same simulated data.

const CONFIDENCE = 0.95;

/** Guardrails parsed by the real spec schema: one per `judge`, everything else equal. */
export function guardrailPair(input: Partial<GuardrailInput>) {
  return specFixture({
    confidence: CONFIDENCE,
    guardrails: [
      { name: 'by-interval', metric: 'm', allowed: { max: 1 }, ...input, judge: 'interval' },
      { name: 'by-value', metric: 'm', allowed: { max: 1 }, ...input, judge: 'value' },
    ],
  }).spec.guardrails;
}

export interface RuleShares {
  readonly runs: number;
  /** Share of runs in which the interval rule acted. */
  readonly interval: number;
  /** Share of runs in which the value rule acted. */
  readonly value: number;
}

function shares(
  runs: number,
  input: Partial<GuardrailInput>,
  how: Aggregation,
  seconds: number,
  traffic: () => Traffic,
): RuleShares {
  const rules = guardrailPair(input);
  const acted = [0, 0];
  for (let run = 0; run < runs; run++) {
    firstActions({ rules, how, seconds }, traffic()).forEach((at, i) => {
      if (at !== null) acted[i] = (acted[i] ?? 0) + 1;
    });
  }
  return { runs, interval: (acted[0] ?? 0) / runs, value: (acted[1] ?? 0) / runs };
}

export interface AbsoluteAaOptions {
  readonly runs: number;
  readonly seed: number;
  readonly seconds?: number;
  readonly perSecond?: number;
  readonly consecutive?: number;
  /** The true error rate (default 0.02, two thirds of the limit). */
  readonly p?: number;
}

/**
 * A/A with an absolute limit: errors / requests with a true rate of 2 %, `max: 0.03` (the truth at two thirds
 * of the limit), a decision every second for an hour. Any rollback is a false one.
 */
export function absoluteRatioAa(o: AbsoluteAaOptions): RuleShares {
  const draw = binomial.factory({ seed: o.seed });
  const input = {
    metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
    allowed: { max: 0.03 },
    consecutive: o.consecutive ?? 1,
  };
  return shares(o.runs, input, 'ratio', o.seconds ?? 3600, () =>
    ratioTraffic(draw, o.perSecond ?? 100, o.p ?? 0.02, CONFIDENCE),
  );
}

/** Log-normal latencies: e^N(−1.5, 0.5), mean ≈ 0.253 s, p99 ≈ 0.715 s. */
const MU = -1.5;
const SIGMA = 0.5;
export const TRUE_MEAN = Math.exp(MU + SIGMA ** 2 / 2);
export const TRUE_P99 = Math.exp(MU + 2.3263478740408408 * SIGMA);

/** A/A with an absolute `max` on a mean latency at 1.5× its true value, 10 values/s, judged every second. */
export function absoluteMeanAa(o: AbsoluteAaOptions): RuleShares {
  const draw = normal.factory({ seed: o.seed });
  const input = { metric: 'latency_seconds', aggregate: 'mean' as const, allowed: { max: 1.5 * TRUE_MEAN } };
  return shares(o.runs, input, 'mean', o.seconds ?? 3600, () =>
    latencyMoments(draw, o.perSecond ?? 10, MU, SIGMA, CONFIDENCE),
  );
}

/** Buckets ×1.2 apart from 50 ms to ~4 s: a quantile is only as sharp as the buckets around it. */
export const LATENCY_BOUNDS = Array.from({ length: 25 }, (_, k) => Number((0.05 * 1.2 ** k).toFixed(4)));

/** A/A with an absolute `max` on p99 from an explicit histogram at 1.5× its true value, judged every second. */
export function absoluteP99Aa(o: AbsoluteAaOptions): RuleShares {
  const draw = normal.factory({ seed: o.seed });
  const input = { metric: 'latency_seconds', aggregate: 'p99' as const, allowed: { max: 1.5 * TRUE_P99 } };
  return shares(o.runs, input, { quantile: 0.99 }, o.seconds ?? 3600, () =>
    latencyHistogram(draw, o.perSecond ?? 10, MU, SIGMA, LATENCY_BOUNDS, CONFIDENCE),
  );
}

export interface TrailingAaOptions extends AbsoluteAaOptions {
  readonly windowSeconds?: number;
  readonly mode: 'restarts' | 'sliding';
}

/**
 * A/A over a long wave with a trailing window: errors / requests at 2 %, `max: 0.03`, `window: 1h`, a decision
 * every second for `seconds` (24 h by default), read the way `mode` says.
 */
export function trailingRatioAa(o: TrailingAaOptions): RuleShares {
  const draw = binomial.factory({ seed: o.seed });
  const windowSeconds = o.windowSeconds ?? 3600;
  const input = {
    metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
    allowed: { max: 0.03 },
    window: `${windowSeconds}s`,
  };
  return shares(o.runs, input, 'ratio', o.seconds ?? 86_400, () =>
    trailingRatioTraffic(draw, o.perSecond ?? 100, o.p ?? 0.02, CONFIDENCE, windowSeconds, o.mode),
  );
}

export interface PowerOptions {
  readonly runs: number;
  readonly seed: number;
  /** The true error rate as a multiple of the limit `max: 0.03`. */
  readonly multiple: number;
  readonly perSecond: number;
  /** How long each run lasts (default an hour). */
  readonly seconds?: number;
}

export interface TimeToRollback {
  readonly runs: number;
  /** Median seconds to the rollback (+∞ when most runs never rolled back), per rule. */
  readonly intervalMedian: number;
  readonly valueMedian: number;
  /** Share of runs rolled back within the run, per rule. */
  readonly intervalShare: number;
  readonly valueShare: number;
  /** Share of runs the interval rule rolled back within 120 s. */
  readonly intervalWithin2Min: number;
}

/** Power: a true error rate at `multiple` × the limit `max: 0.03`; how soon each rule rolls back. */
export function timeToRollback(o: PowerOptions): TimeToRollback {
  const draw = binomial.factory({ seed: o.seed });
  const rules = guardrailPair({
    metric: { ratio: { numerator: 'errors_total', denominator: 'requests_total' } },
    allowed: { max: 0.03 },
  });
  const times: [number[], number[]] = [[], []];
  for (let run = 0; run < o.runs; run++) {
    const first = firstActions(
      { rules, how: 'ratio', seconds: o.seconds ?? 3600 },
      ratioTraffic(draw, o.perSecond, 0.03 * o.multiple, CONFIDENCE),
    );
    first.forEach((at, i) => {
      times[i as 0 | 1].push(at ?? Number.POSITIVE_INFINITY);
    });
  }
  const share = (xs: number[], limit = Number.POSITIVE_INFINITY) =>
    xs.filter((x) => Number.isFinite(x) && x <= limit).length / o.runs;
  return {
    runs: o.runs,
    intervalMedian: median(times[0]),
    valueMedian: median(times[1]),
    intervalShare: share(times[0]),
    valueShare: share(times[1]),
    intervalWithin2Min: share(times[0], 120),
  };
}
