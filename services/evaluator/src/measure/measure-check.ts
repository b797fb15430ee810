import {
  type Measurement,
  type MeasurementWindow,
  measurementFromStats,
  type Reference,
  type ReferenceChoice,
  type RolloutState,
  referenceFor,
  trailingWindow,
} from '@rollout-guard/shared/decision';
import type { Check } from '@rollout-guard/shared/spec';
import {
  type Aggregation,
  absoluteInterval,
  type CohortStats,
  compareInterval,
  ratioOf,
  sampleCount,
} from '@rollout-guard/shared/stats';
import type { BucketWindow, Cohort, StatsWanted } from '@rollout-guard/shared/store';
import { cohortValue } from './cohort-value.ts';
import { distributionMeasurementOf } from './distribution-measurement.ts';

/** Reads one metric's merged statistic for a cohort and window (the buckets module, or a test's table). */
export type ReadStats = (
  metric: string,
  cohort: Cohort,
  window: BucketWindow,
  wanted: StatsWanted,
) => Promise<CohortStats | null>;

/** The window a check reads now: which buckets, what the evidence calls it, and its length for `rate`. */
export interface CheckWindow {
  readonly buckets: BucketWindow;
  readonly measurement: MeasurementWindow;
  readonly seconds: number;
  /** The confidence the window's intervals are computed at (a trailing window's restart spends less). */
  readonly confidence: number;
}

/** The wave the rollout is in (its last record), or undefined before wave 1. */
function currentWave(state: RolloutState) {
  const last = state.history.at(-1);
  return last === undefined ? undefined : { epoch: state.history.length, startedAt: last.startedAt };
}

/**
 * `wave` (the default) is everything since the current wave began: its running totals, under the wave's
 * epoch (the number of waves entered so far, as the collector's matcher view has it). A duration is a
 * trailing window that restarts every half window length from the wave's start, each restart at its share
 * of the error budget (`trailingWindow`), so its intervals hold over the life of the wave; before wave 1 it
 * is simply the last window length, at the check's confidence.
 */
export function windowOf(check: Check, state: RolloutState, now: number): CheckWindow | undefined {
  const wave = currentWave(state);
  if (check.window === 'wave') {
    if (wave === undefined) return undefined;
    return {
      buckets: { kind: 'wave', waveEpoch: wave.epoch },
      measurement: { from: wave.startedAt, to: now, label: 'wave' },
      seconds: Math.max(0, (now - wave.startedAt) / 1000),
      confidence: check.confidence,
    };
  }
  if (wave === undefined) {
    const from = now - check.window.ms;
    return {
      buckets: { kind: 'range', fromMs: from, toMs: now },
      measurement: { from, to: now, label: check.window.text },
      seconds: check.window.ms / 1000,
      confidence: check.confidence,
    };
  }
  const trailing = trailingWindow(wave.startedAt, now, check.window.ms, check.confidence);
  return {
    buckets: { kind: 'range', fromMs: trailing.from, toMs: now },
    measurement: {
      from: trailing.from,
      to: now,
      label: check.window.text,
      restart: { index: trailing.restart, confidence: trailing.confidence },
    },
    seconds: Math.max(0, (now - trailing.from) / 1000),
    confidence: trailing.confidence,
  };
}

export function aggregationOf(check: Check): Aggregation {
  if (check.metric.kind === 'ratio') return 'ratio';
  // A distribution reads the same statistic a quantile does: a histogram, or the sketch of raw values.
  if (check.distribution !== undefined) return { quantile: 0.5 };
  if (check.quantile !== undefined) return { quantile: check.quantile };
  return check.aggregate as Aggregation;
}

function wantedFor(how: Aggregation): StatsWanted {
  return typeof how === 'object' ? 'quantile' : 'auto';
}

/** A check's statistic for one cohort: the metric's, or a ratio of two counters' increases. */
export async function readCheckStats(
  read: ReadStats,
  check: Check,
  cohort: Cohort,
  window: BucketWindow,
): Promise<CohortStats | null> {
  const metric = check.metric;
  if (metric.kind === 'promql') return null;
  if (metric.kind === 'ratio') {
    const [numerator, denominator] = await Promise.all([
      read(metric.numerator, cohort, window, 'counter'),
      read(metric.denominator, cohort, window, 'counter'),
    ]);
    if (denominator === null || denominator.kind !== 'counter') return null;
    const errors = numerator !== null && numerator.kind === 'counter' ? numerator.increase : 0;
    return ratioOf(errors, denominator.increase);
  }
  return read(metric.name, cohort, window, wantedFor(aggregationOf(check)));
}

/** Where a reference choice's data lives in the buckets, and how many seconds of traffic it covers. */
export function referenceBuckets(
  choice: ReferenceChoice,
  window: CheckWindow,
  state: Pick<RolloutState, 'spec'>,
): { cohort: Cohort; window: BucketWindow; seconds: number } {
  switch (choice.kind) {
    case 'baseline':
      // The baseline phase lasts its window (paused time does not count), so its total covers exactly that.
      return {
        cohort: 'baseline',
        window: { kind: 'baseline' },
        seconds: (state.spec.spec.baseline?.window.ms ?? 0) / 1000,
      };
    case 'control':
      return { cohort: 'control', window: window.buckets, seconds: window.seconds };
    case 'previous-wave-control':
      return {
        cohort: 'control',
        window: { kind: 'range', fromMs: choice.from, toMs: choice.to },
        seconds: Math.max(0, (choice.to - choice.from) / 1000),
      };
  }
}

/**
 * A check's measurement from its statistics (pure): the aggregate per cohort and the stats module's
 * always-valid intervals — one-sample for absolute checks, the difference (absolute and relative) for
 * baseline/control checks — handed to the decision core, which turns them into what its rules judge.
 * Undefined when the treatment has no data at all: missing data is never a breach.
 */
export function measurementOf(
  check: Check,
  window: CheckWindow,
  treatment: CohortStats | null,
  reference: { kind: Reference; stats: CohortStats | null; seconds?: number } | null,
): Measurement | undefined {
  if (treatment === null) return undefined;
  if (check.distribution !== undefined) return distributionMeasurementOf(check, window, treatment, reference);
  const how = aggregationOf(check);
  const confidence = window.confidence;
  const base = { window: window.measurement, confidence: check.confidence };
  if (check.compare === 'absolute') {
    return measurementFromStats({
      ...base,
      treatment: {
        ...cohortValue(treatment, how, window.seconds),
        interval: absoluteInterval(treatment, how, { confidence, windowSeconds: window.seconds }),
      },
    });
  }
  const referenceStats = reference?.stats ?? null;
  const treatmentValue = cohortValue(treatment, how, window.seconds);
  if (reference === null) return measurementFromStats({ ...base, treatment: treatmentValue });
  const referenceSeconds = reference.seconds ?? window.seconds;
  const referenceReading = {
    kind: reference.kind,
    ...cohortValue(referenceStats, how, referenceSeconds, window.seconds),
  };
  if (referenceStats === null) {
    return measurementFromStats({ ...base, treatment: treatmentValue, reference: referenceReading });
  }
  const against = reference.kind === 'control' ? 'control' : 'baseline';
  const interval = (relative: boolean) =>
    compareInterval(treatment, referenceStats, how, {
      confidence,
      relative,
      reference: against,
      windowSeconds: window.seconds,
      referenceSeconds,
    });
  return measurementFromStats({
    ...base,
    treatment: treatmentValue,
    reference: referenceReading,
    absolute: interval(false),
    relative: interval(true),
  });
}

/** Measures one check now: reads its treatment and reference data and forms the measurement. */
export async function measureCheck(
  read: ReadStats,
  check: Check,
  state: RolloutState,
  now: number,
): Promise<Measurement | undefined> {
  if (check.metric.kind === 'promql') return undefined;
  const window = windowOf(check, state, now);
  if (window === undefined) return undefined;
  // The decision core chooses the reference (at 100% without a holdback: the baseline or the previous
  // wave's control); it needs to know whether the control cohort has data in this window, so the control
  // is read alongside the treatment.
  const [treatment, control] = await Promise.all([
    readCheckStats(read, check, 'treatment', window.buckets),
    check.compare === 'control' ? readCheckStats(read, check, 'control', window.buckets) : null,
  ]);
  if (treatment === null) return undefined;
  if (check.compare === 'absolute') return measurementOf(check, window, treatment, null);
  const choice = referenceFor(check, state, control !== null && sampleCount(control) > 0);
  if (choice === null) return measurementOf(check, window, treatment, null);
  const where = referenceBuckets(choice, window, state);
  const stats =
    choice.kind === 'control' ? control : await readCheckStats(read, check, where.cohort, where.window);
  return measurementOf(check, window, treatment, { kind: choice.kind, stats, seconds: where.seconds });
}

/** Measures several checks at once; a check without data is left out (no data, never a breach). */
export async function measureChecks(
  read: ReadStats,
  checks: readonly Check[],
  state: RolloutState,
  now: number,
): Promise<Record<string, Measurement>> {
  const entries = await Promise.all(
    checks.map(async (check) => [check.name, await measureCheck(read, check, state, now)] as const),
  );
  return Object.fromEntries(
    entries.filter((entry): entry is [string, Measurement] => entry[1] !== undefined),
  );
}
