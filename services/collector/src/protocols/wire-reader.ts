import { DecodeError } from './decode-error.ts';

/**
 * A minimal protobuf wire-format reader over one buffer: just what the remote-write and OTLP
 * decoders need, with bounds checked on every read so a truncated or hostile body ends in a
 * DecodeError rather than a read past the end.
 */
export class WireReader {
  readonly bytes: Buffer;
  private readonly view: DataView;
  pos: number;

  /** `message` names what the body should be, in the error a malformed one gets. */
  constructor(
    bytes: Uint8Array,
    private readonly message = 'protobuf message',
  ) {
    this.bytes = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  fail(what: string): never {
    throw new DecodeError(`body is not a valid ${this.message}: ${what} at byte ${this.pos}`);
  }

  /** An unsigned varint up to 2^53; larger values lose precision, which no field here needs. */
  varint(): number {
    const bytes = this.bytes;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= bytes.length) this.fail('truncated varint');
      const b = bytes[this.pos++] as number;
      result += (b & 0x7f) * multiplier;
      if (b < 0x80) return result;
      multiplier *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** int64 as two's complement varint; negative values take 10 bytes and the exact slow path. */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (v <= Number.MAX_SAFE_INTEGER) return v;
    let exact = 0n;
    for (let i = start, shift = 0n; i < this.pos; i++, shift += 7n) {
      exact |= BigInt((this.bytes[i] as number) & 0x7f) << shift;
    }
    return Number(BigInt.asIntN(64, exact));
  }

  sint(): number {
    const v = this.varint();
    // ZigZag: 0, -1, 1, -2, … without 32-bit operators, which would truncate 64-bit values.
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  double(): number {
    if (this.pos + 8 > this.bytes.length) this.fail('truncated double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A little-endian 32-bit word, unsigned (fixed32, or either half of a fixed64). */
  uint32(): number {
    if (this.pos + 4 > this.bytes.length) this.fail('truncated fixed32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A little-endian 32-bit word, signed (the high half of an sfixed64). */
  int32(): number {
    if (this.pos + 4 > this.bytes.length) this.fail('truncated fixed32');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Whether the next double has exactly these high and low words (a NaN's payload), without moving on. */
  nextDoubleIs(high: number, low: number): boolean {
    if (this.pos + 8 > this.bytes.length) this.fail('truncated double');
    return this.view.getUint32(this.pos + 4, true) === high && this.view.getUint32(this.pos, true) === low;
  }

  /** Reads a length prefix and returns the end offset of the delimited bytes. */
  delimitedEnd(): number {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.bytes.length) this.fail(`length ${length} runs past the end of the body`);
    return end;
  }

  /** As `delimitedEnd`, for a field of a message that ends at `end`: the field must end within it. */
  delimitedEndWithin(end: number): number {
    const fieldEnd = this.delimitedEnd();
    if (fieldEnd > end) this.fail('a field runs past the message holding it');
    return fieldEnd;
  }

  /** As `skip`, for a field of a message that ends at `end`: the message must not end inside it. */
  skipWithin(wireType: number, end: number): void {
    this.skipField(wireType);
    if (this.pos > end) this.fail('a field runs past the message holding it');
  }

  string(): string {
    const end = this.delimitedEnd();
    const s = this.bytes.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  skipField(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.delimitedEnd();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.bytes.length) this.fail('truncated field');
  }
}

/** Whether bytes[start, end) are exactly `ascii`. */
export function bytesEqual(bytes: Uint8Array, start: number, end: number, ascii: string): boolean {
  if (end - start !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[start + i] !== ascii.charCodeAt(i)) return false;
  return true;
}
