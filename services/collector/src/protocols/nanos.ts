/** A 64-bit integer as protobufjs (Long), JSON (decimal string or number) or JS (bigint) gives it. */
export interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned?: boolean;
}

const TWO_32 = 4294967296;

function isLongLike(value: unknown): value is LongLike {
  return typeof value === 'object' && value !== null && 'low' in value && 'high' in value;
}

/**
 * Nanoseconds since the epoch → whole milliseconds, exactly. A double cannot hold today's
 * nanosecond timestamps (≈1.7e18 > 2^53), so converting through `Number` could round
 * 1700000000000999999 ns up into the next millisecond; this keeps integer arithmetic.
 * Returns undefined when the value is not a non-negative integer.
 */
export function nanosToMs(value: unknown): number | undefined {
  if (isLongLike(value)) {
    if (!value.unsigned && value.high < 0) return undefined;
    return unsignedNanosToMs(value.high, value.low);
  }
  if (typeof value === 'string') {
    if (!/^\d+$/.test(value)) return undefined;
    return value.length <= 6 ? 0 : Number(value.slice(0, -6));
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? Math.floor(value / 1e6) : undefined;
  }
  if (typeof value === 'bigint') return value >= 0n ? Number(value / 1000000n) : undefined;
  return undefined;
}

/** An unsigned 64-bit count of nanoseconds, as its high and low 32-bit words → whole milliseconds, exactly. */
export function unsignedNanosToMs(high: number, low: number): number {
  const hi = high >>> 0;
  const lo = low >>> 0;
  // hi·2^32 = hi·4294·10^6 + hi·967296, and hi·967296 + lo < 2^53, so every step is exact.
  const rest = hi * 967296 + lo;
  let restMs = Math.floor(rest / 1e6);
  if (restMs * 1e6 > rest) restMs -= 1;
  return hi * 4294 + restMs;
}

/**
 * A 64-bit integer → number. Counts beyond 2^53 do not occur in practice; they lose
 * precision rather than fail. Returns undefined for anything that is not an integer.
 */
export function int64ToNumber(value: unknown): number | undefined {
  if (isLongLike(value)) {
    if (value.unsigned || value.high >= 0) return (value.high >>> 0) * TWO_32 + (value.low >>> 0);
    return value.high * TWO_32 + (value.low >>> 0);
  }
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? Number(value) : undefined;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}
