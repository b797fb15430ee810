import { exponentialIndexOf } from '@rollout-guard/shared/stats';
import {
  cumulativeBucketField,
  expBucketField,
  explicitBucketField,
  explicitLayout,
  FIELD,
  rawSketchField,
  SAMPLE_SKETCH_SCALE,
} from '@rollout-guard/shared/store';
import type { ExponentialBuckets, PointValue } from '../protocols/point.ts';

/**
 * What one point adds to a bucket, in the bucket field scheme (@rollout-guard/shared/store), told to
 * a sink: `delta` vectors are added as they are; `cumulative` vectors are running totals whose
 * increase since the series' previous point the ingest script adds (`monotonic`: a drop means a reset).
 * A sink rather than a list: this runs for every point stored.
 */
export interface ContributionSink {
  delta(fields: Record<string, number>, extremes: Extremes, index: number): void;
  cumulative(fields: Record<string, number>, monotonic: boolean, extremes: Extremes, index: number): void;
}

const NO_EXTREMES: Extremes = Object.freeze({});

export interface Extremes {
  readonly min?: number;
  readonly max?: number;
  /** The point's value as a level (gauges and up-down counters): kept as the bucket's last value. */
  readonly last?: number;
}

/**
 * One point's contributions (`index` 0, 1, …): usually one; a cumulative up-down counter gives two
 * (its net change as a cumulative `ci`, and its level as a raw sample, since `last`/`mean` of a level
 * are what users ask).
 */
export function eachContribution(value: PointValue, sink: ContributionSink): void {
  switch (value.kind) {
    case 'gauge':
      sink.delta(sampleFields(value.value), level(value.value), 0);
      return;
    case 'sum': {
      const change = { [FIELD.counterIncrease]: value.value };
      if (value.temporality === 'delta') sink.delta(change, NO_EXTREMES, 0);
      else if (value.monotonic) sink.cumulative(change, true, NO_EXTREMES, 0);
      else {
        sink.cumulative(change, false, NO_EXTREMES, 0);
        sink.delta(sampleFields(value.value), level(value.value), 1);
      }
      return;
    }
    case 'histogram': {
      const fields: Record<string, number> = { [FIELD.count]: value.count };
      if (value.sum !== undefined) fields[FIELD.sum] = value.sum;
      if (value.counts.length > 0) {
        const layout = explicitLayout(value.bounds);
        value.counts.forEach((count, i) => {
          if (count === 0) return;
          fields[explicitBucketField(layout, value.bounds[i] ?? Number.POSITIVE_INFINITY)] = count;
        });
      }
      temporal(sink, value.temporality, fields, extremesOf(value));
      return;
    }
    case 'exponentialHistogram': {
      const fields: Record<string, number> = { [FIELD.count]: value.count };
      if (value.sum !== undefined) fields[FIELD.sum] = value.sum;
      if (value.zeroCount > 0) fields[FIELD.zeroCount] = value.zeroCount;
      addExponential(fields, value.scale, 'p', value.positive);
      addExponential(fields, value.scale, 'n', value.negative);
      temporal(sink, value.temporality, fields, extremesOf(value));
      return;
    }
    case 'classicPart': {
      // Each part is a running total on its own; its increase goes to the field its role says.
      const field =
        value.part === 'bucket'
          ? cumulativeBucketField(value.le ?? Number.POSITIVE_INFINITY)
          : value.part === 'count'
            ? FIELD.count
            : FIELD.sum;
      sink.cumulative({ [field]: value.value }, true, NO_EXTREMES, 0);
      return;
    }
    case 'summary':
      // Quantiles of a summary cover a window the sender chose and cannot be merged: count and sum only.
      sink.cumulative({ [FIELD.count]: value.count, [FIELD.sum]: value.sum }, true, NO_EXTREMES, 0);
      return;
  }
}

/** A raw value: moments for mean and variance, and a fixed-scale sketch for its quantiles. */
function sampleFields(value: number): Record<string, number> {
  const fields: Record<string, number> = {
    [FIELD.count]: 1,
    [FIELD.sum]: value,
    [FIELD.sumSquares]: value * value,
  };
  if (value === 0) fields[FIELD.rawZeroCount] = 1;
  else
    fields[rawSketchField(value > 0 ? 'p' : 'n', exponentialIndexOf(Math.abs(value), SAMPLE_SKETCH_SCALE))] =
      1;
  return fields;
}

function level(value: number): Extremes {
  return { min: value, max: value, last: value };
}

function temporal(
  sink: ContributionSink,
  temporality: 'delta' | 'cumulative',
  fields: Record<string, number>,
  extremes: Extremes,
) {
  if (temporality === 'delta') sink.delta(fields, extremes, 0);
  else sink.cumulative(fields, true, extremes, 0);
}

function extremesOf(value: { min?: number; max?: number }): Extremes {
  return {
    ...(value.min === undefined ? {} : { min: value.min }),
    ...(value.max === undefined ? {} : { max: value.max }),
  };
}

function addExponential(
  fields: Record<string, number>,
  scale: number,
  sign: 'p' | 'n',
  buckets: ExponentialBuckets,
) {
  buckets.counts.forEach((count, i) => {
    if (count > 0) fields[expBucketField(scale, sign, buckets.offset + i)] = count;
  });
}
