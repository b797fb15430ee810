import type { CohortStats } from './cohort-stats.ts';
import { exponentialBuckets, type ValueBucket } from './quantile.ts';
import { sortedSampleValues } from './samples.ts';

/** The most boundaries a distribution check compares at; each costs a share of α (STATISTICS.md §3). */
export const DEFAULT_DISTRIBUTION_BOUNDARIES = 32;

/**
 * One cohort as the distribution check reads it: where its observations lie, and how many there are.
 * Buckets keep their edges; raw samples are points (lower = upper = the value).
 */
export interface DistributionSource {
  /** Observations the shares rest on: a histogram's count, or the values a bounded sample kept. */
  readonly n: number;
  readonly buckets: readonly ValueBucket[];
  /** Where a boundary can sit without splitting a bucket: explicit bounds, exponential edges; none for samples. */
  readonly edges: readonly number[];
  readonly kind: 'histogram' | 'exponential' | 'samples';
}

export type SourceResult = { ok: true; source: DistributionSource } | { ok: false; reason: string };

/** A histogram or raw samples as buckets; other statistics carry no distribution. */
export function distributionSourceOf(stats: CohortStats): SourceResult {
  switch (stats.kind) {
    case 'histogram':
      return {
        ok: true,
        source: {
          n: stats.count,
          kind: 'histogram',
          edges: stats.bounds,
          buckets: stats.counts.map((count, i) => ({
            lower: i === 0 ? Number.NEGATIVE_INFINITY : stats.bounds[i - 1]!,
            upper: i === stats.bounds.length ? Number.POSITIVE_INFINITY : stats.bounds[i]!,
            count,
          })),
        },
      };
    case 'exponential': {
      const buckets = exponentialBuckets(stats);
      const edges = [...new Set(buckets.flatMap((b) => [b.lower, b.upper]))].sort((a, b) => a - b);
      return { ok: true, source: { n: stats.count, kind: 'exponential', edges, buckets } };
    }
    case 'samples': {
      const values = sortedSampleValues(stats);
      return {
        ok: true,
        source: {
          n: values.length,
          kind: 'samples',
          edges: [],
          buckets: values.map((value) => ({ lower: value, upper: value, count: 1 })),
        },
      };
    }
    default:
      return {
        ok: false,
        reason: `a distribution needs a histogram or raw values, not ${stats.kind} statistics; send the metric as a histogram`,
      };
  }
}

/**
 * Observations at or below each boundary (ascending): every bucket whose upper edge is ≤ it. Buckets come in
 * value order, so one sweep serves all boundaries.
 */
export function countsAtOrBelow(source: DistributionSource, sorted: readonly number[]): number[] {
  const counts: number[] = [];
  let index = 0;
  let total = 0;
  for (const boundary of sorted) {
    while (index < source.buckets.length && source.buckets[index]!.upper <= boundary) {
      total += source.buckets[index]!.count;
      index += 1;
    }
    counts.push(total);
  }
  return counts;
}

/** Whether no occupied bucket straddles `boundary`, so the count at or below it is exact. */
function splitsNothing(source: DistributionSource, boundary: number): boolean {
  return source.buckets.every((b) => b.count === 0 || b.upper <= boundary || b.lower >= boundary);
}

export interface BoundaryOptions {
  /** The spec's `boundaries`: snapped to the nearest edge both cohorts' buckets share. */
  readonly declared?: readonly number[];
  /** The most boundaries to keep (default 32). */
  readonly max?: number;
}

/**
 * The boundaries two cohorts are compared at. Every one is exact for both cohorts (no occupied bucket is
 * split), so each cohort's share at or below it is a count, not a guess:
 * - declared boundaries, each snapped to the nearest shared edge (raw samples take them as written);
 * - else two explicit histograms: the bounds they share, the same at every evaluation;
 * - else the shared edges of exponential buckets, or every sampled value;
 * thinned, when more than `max`, to the ones nearest the quantiles j/(max + 1) of the two cohorts' average
 * distribution (the same for treatment and reference, so the choice favours neither).
 */
export function distributionBoundaries(
  treatment: DistributionSource,
  reference: DistributionSource,
  options: BoundaryOptions = {},
): number[] {
  const max = options.max ?? DEFAULT_DISTRIBUTION_BOUNDARIES;
  const exact = (b: number) =>
    Number.isFinite(b) && splitsNothing(treatment, b) && splitsNothing(reference, b);
  const shared = sharedEdges(treatment, reference).filter(exact);
  if (options.declared !== undefined && options.declared.length > 0) {
    const snapped = bothSamples(treatment, reference)
      ? options.declared.filter(Number.isFinite)
      : options.declared.flatMap((b) => nearest(shared, b) ?? []);
    return thin(
      [...new Set(snapped)].sort((a, b) => a - b),
      treatment,
      reference,
      max,
    );
  }
  if (bothSamples(treatment, reference)) {
    const values = [...treatment.buckets, ...reference.buckets].map((b) => b.upper);
    return thin(
      [...new Set(values)].sort((a, b) => a - b),
      treatment,
      reference,
      max,
    );
  }
  return thin(shared, treatment, reference, max);
}

function bothSamples(a: DistributionSource, b: DistributionSource): boolean {
  return a.kind === 'samples' && b.kind === 'samples';
}

function sharedEdges(a: DistributionSource, b: DistributionSource): number[] {
  if (a.kind === 'samples') return [...b.edges];
  if (b.kind === 'samples') return [...a.edges];
  if (a.kind === 'histogram' && b.kind === 'histogram') {
    const other = new Set(b.edges);
    return a.edges.filter((edge) => other.has(edge));
  }
  // Exponential grids nest (a coarser scale's edges are edges of every finer one): the union holds them all,
  // and the exactness test keeps those that split no occupied bucket of either cohort.
  return [...new Set([...a.edges, ...b.edges])].sort((x, y) => x - y);
}

function nearest(sorted: readonly number[], target: number): number | undefined {
  let best: number | undefined;
  for (const edge of sorted) {
    if (best === undefined || Math.abs(edge - target) < Math.abs(best - target)) best = edge;
  }
  return best;
}

function thin(
  sorted: readonly number[],
  treatment: DistributionSource,
  reference: DistributionSource,
  max: number,
): number[] {
  if (sorted.length <= max) return [...sorted];
  const shares = (source: DistributionSource) =>
    countsAtOrBelow(source, sorted).map((count) => (source.n > 0 ? count / source.n : 0));
  const t = shares(treatment);
  const r = shares(reference);
  const average = sorted.map((_, i) => (t[i]! + r[i]!) / 2);
  const kept = new Set<number>();
  let index = 0;
  for (let j = 1; j <= max; j++) {
    const target = j / (max + 1);
    while (index < sorted.length - 1 && average[index]! < target) index += 1;
    kept.add(sorted[index]!);
  }
  return [...kept].sort((a, b) => a - b);
}
