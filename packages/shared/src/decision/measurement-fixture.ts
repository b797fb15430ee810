import type { Interval, Measurement } from './measurement.ts';

const window = { from: 0, to: 3_600_000, label: 'wave' } as const;

/** An absolute check's measurement: the treatment's value over `samples`, with its interval when given. */
export function absoluteMeasurement(value: number, samples = 1_000, interval?: Interval): Measurement {
  return {
    window,
    treatment: { samples, value, ...(interval !== undefined && { interval }) },
    confidence: 0.95,
  };
}

/** A baseline/control check's measurement with a difference interval of the given kind. */
export function differenceMeasurement(
  kind: 'absolute' | 'relative',
  interval: Interval,
  samples: { treatment?: number; reference?: number } = {},
): Measurement {
  const estimate = (interval[0] + interval[1]) / 2;
  return {
    window,
    treatment: { samples: samples.treatment ?? 1_000, value: 10 + estimate },
    reference: { samples: samples.reference ?? 1_000, value: 10 },
    referenceKind: 'control',
    difference: { [kind]: { estimate, interval } },
    confidence: 0.95,
  };
}
