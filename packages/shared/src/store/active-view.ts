import type { RolloutState } from '../decision/state.ts';
import type { Cohorts, RolloutSpec } from '../spec/resolved.ts';
import type { ScrapeTarget } from '../spec/scrape.ts';

/**
 * What the collector's matcher needs to know about one active rollout (the `rg:active` hash): which
 * points count for it, in which cohort, and under which wave their running totals accumulate.
 */
export interface ActiveRollout {
  readonly name: string;
  readonly specVersion: number;
  readonly flag: string;
  readonly match: Readonly<Record<string, string>>;
  readonly cohorts: Cohorts;
  /** Every metric name a check reads: plain metrics and both sides of ratios (PromQL checks read nothing). */
  readonly metrics: readonly string[];
  readonly phase: RolloutState['phase'];
  /** 1-based current wave; 0 before wave 1. */
  readonly waveIndex: number;
  /** Counts the waves entered so far, so each pass through a wave keeps its own running totals. */
  readonly waveEpoch: number;
  /** When the current wave began (unix ms); null before wave 1. */
  readonly waveStartedAt: number | null;
  /** Endpoints the collector scrapes for this rollout (`spec.scrape`); absent when none. */
  readonly scrape?: readonly ScrapeTarget[];
}

/** Phases in which arriving data matters: while paused too, so that resuming has fresh numbers. */
const COLLECTING = new Set<RolloutState['phase']>([
  'baseline',
  'wave',
  'checkpoint',
  'awaiting-approval',
  'paused',
]);

export function metricsOf(spec: RolloutSpec): string[] {
  const names = new Set<string>();
  for (const check of [...spec.spec.guardrails, ...spec.spec.successCriteria]) {
    const metric = check.metric;
    if (metric.kind === 'name') names.add(metric.name);
    else if (metric.kind === 'ratio') {
      names.add(metric.numerator);
      names.add(metric.denominator);
    }
  }
  return [...names].sort();
}

/** The matcher's view of a rollout, or null when it collects nothing (pending or ended). */
export function activeView(
  spec: RolloutSpec,
  specVersion: number,
  state: RolloutState,
): ActiveRollout | null {
  if (!COLLECTING.has(state.phase)) return null;
  const current = state.history.at(-1);
  return {
    name: spec.metadata.name,
    specVersion,
    flag: spec.spec.flag,
    match: spec.spec.match,
    cohorts: spec.spec.cohorts,
    metrics: metricsOf(spec),
    phase: state.phase,
    waveIndex: state.wave,
    waveEpoch: state.history.length,
    waveStartedAt: current === undefined || current.endedAt !== null ? null : current.startedAt,
    // Specs stored before spec.scrape existed have none.
    ...((spec.spec.scrape ?? []).length > 0 && { scrape: spec.spec.scrape }),
  };
}
