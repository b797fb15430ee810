import type { BatchBuilder } from './decoded-batch.ts';
import { unsignedNanosToMs } from './nanos.ts';
import type { Cursor } from './otlp-cursor.ts';
import { type MetricTarget, NO_RECORDED_VALUE } from './otlp-points.ts';
import type { SeriesFinder } from './otlp-series-finder.ts';
import type { PointValue } from './point.ts';
import type { WireReader } from './wire-reader.ts';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_DELIMITED = 2;

/**
 * Reads NumberDataPoints (gauges and sums, nearly all OTLP traffic) in place: no message object, and
 * the attribute fields only noted for the series finder (started on the point by the caller), or
 * passed over whole when they are the expected series' bytes. The checks and their order are
 * `readPointMessage`'s. One reader per request; its fields are reset per point.
 */
export class NumberPointReader {
  readonly #fields = {
    flags: 0,
    hasTime: false,
    timeHigh: 0,
    timeLow: 0,
    hasStart: false,
    startHigh: 0,
    startLow: 0,
    /** Which of the `value` oneof came last: 4 (as_double), 6 (as_int) or 0 (neither). */
    valueField: 0,
    value: 0,
  };

  /** The last point read's time, and its start (undefined when not sent). */
  timeMs = 0;
  startMs: number | undefined;

  /**
   * The value of the point at [start, end), its time and start left in `timeMs` and `startMs` (no
   * object per point for them); undefined once it is counted in `out` as dropped or rejected.
   */
  read(
    r: WireReader,
    start: number,
    end: number,
    metric: MetricTarget,
    at: Cursor,
    out: BatchBuilder,
    finder: SeriesFinder,
  ): PointValue | undefined {
    const f = this.#fields;
    f.flags = 0;
    f.hasTime = false;
    f.hasStart = false;
    f.valueField = 0;
    r.pos = start;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const tag = r.varint();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === WIRE_FIXED64 && field >= 2 && field <= 6 && field !== 5) {
        if (r.pos + 8 > end) r.fail('a field runs past the message holding it');
        if (field === 4) {
          f.value = r.double();
          f.valueField = 4;
        } else {
          const low = r.uint32();
          if (field === 6) {
            // sfixed64: counts beyond 2^53 lose precision rather than fail, as int64ToNumber.
            f.value = r.int32() * 4294967296 + low;
            f.valueField = 6;
          } else if (field === 3) {
            f.timeLow = low;
            f.timeHigh = r.uint32();
            f.hasTime = true;
          } else {
            f.startLow = low;
            f.startHigh = r.uint32();
            f.hasStart = true;
          }
        }
      } else if (wireType === WIRE_DELIMITED && field === 7) {
        // The expected series' attributes are passed over in one compare; others are noted one by one.
        const skipped = finder.skipExpected(fieldStart, end);
        if (skipped > fieldStart) {
          r.pos = skipped;
          continue;
        }
        const fieldEnd = r.delimitedEndWithin(end);
        finder.note(fieldStart, fieldEnd);
        r.pos = fieldEnd;
      } else if (wireType === WIRE_VARINT && field === 8) {
        f.flags = r.varint();
      } else {
        r.skipWithin(wireType, end);
      }
    }
    if ((f.flags & NO_RECORDED_VALUE) !== 0) {
      out.drop('no-recorded-value');
      return undefined;
    }
    const timeMs = f.hasTime ? unsignedNanosToMs(f.timeHigh, f.timeLow) : 0;
    if (timeMs === 0) {
      out.reject('timeUnixNano must be a positive integer', `metric ${metric.name} at ${at.path('')}`);
      return undefined;
    }
    if (f.valueField === 0) {
      out.reject('a number point needs asDouble or asInt', `metric ${metric.name} at ${at.path('')}`);
      return undefined;
    }
    if (!Number.isFinite(f.value)) {
      out.drop('non-finite-value');
      return undefined;
    }
    const startMs = f.hasStart ? unsignedNanosToMs(f.startHigh, f.startLow) : 0;
    this.timeMs = timeMs;
    this.startMs = startMs > 0 ? startMs : undefined;
    return metric.kind === 'gauge'
      ? { kind: 'gauge', value: f.value }
      : { kind: 'sum', value: f.value, monotonic: metric.monotonic, temporality: metric.temporality };
  }
}
