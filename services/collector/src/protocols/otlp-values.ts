import { DecodeError } from './decode-error.ts';
import { int64ToNumber } from './nanos.ts';
import type { Cursor } from './otlp-cursor.ts';

/**
 * Readers for fields of a decoded OTLP message. The same code reads protobufjs messages (whose
 * prototypes carry proto3 defaults, and whose 64-bit integers are Longs) and parsed OTLP/JSON
 * (lowerCamelCase keys, 64-bit integers as decimal strings or numbers, doubles possibly as
 * "NaN"/"Infinity"), so a type error can only come from JSON and names the JSON path: `field`
 * is relative to the cursor's position.
 */
export type Obj = Readonly<Record<string, unknown>>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field the message really carries: own (protobufjs sets decoded fields as own) and not null. */
export function has(message: Obj, key: string): boolean {
  return Object.hasOwn(message, key) && message[key] !== null && message[key] !== undefined;
}

function typeError(at: Cursor, field: string, expected: string): never {
  throw new DecodeError(`${at.path(field)}: expected ${expected}`);
}

export function obj(value: unknown, at: Cursor, field: string): Obj | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObj(value)) typeError(at, field, 'an object');
  return value;
}

export function list(value: unknown, at: Cursor, field: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) typeError(at, field, 'an array');
  return value;
}

export function str(value: unknown, at: Cursor, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') typeError(at, field, 'a string');
  return value;
}

export function int(value: unknown, at: Cursor, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  const n = int64ToNumber(value);
  if (n === undefined) typeError(at, field, 'an integer (a number or a decimal string)');
  return n;
}

const DOUBLE_WORDS: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
};

export function double(value: unknown, at: Cursor, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const word = DOUBLE_WORDS[value];
    if (word !== undefined) return word;
    if (value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  }
  return typeError(at, field, 'a number, "NaN", "Infinity" or "-Infinity"');
}

const TEMPORALITY_NAMES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

/** OTLP/JSON sends enums as integers; the protobuf JSON mapping also allows their names. */
export function temporality(value: unknown, at: Cursor, field: string): 'delta' | 'cumulative' | undefined {
  const code =
    typeof value === 'string' && value in TEMPORALITY_NAMES
      ? TEMPORALITY_NAMES[value]
      : int(value, at, field);
  if (code === 1) return 'delta';
  if (code === 2) return 'cumulative';
  return undefined;
}

/** OTLP AnyValue → the string matching compares. Arrays and maps become JSON. */
export function anyValueToString(value: unknown): string {
  if (!isObj(value)) return '';
  const s = value.stringValue;
  if (typeof s === 'string' && Object.hasOwn(value, 'stringValue')) return s;
  if (has(value, 'boolValue'))
    return value.boolValue === true || value.boolValue === 'true' ? 'true' : 'false';
  if (has(value, 'intValue')) return String(int64ToNumber(value.intValue) ?? value.intValue);
  if (has(value, 'doubleValue')) return String(value.doubleValue);
  if (has(value, 'bytesValue')) {
    const bytes = value.bytesValue;
    return bytes instanceof Uint8Array ? Buffer.from(bytes).toString('base64') : String(bytes);
  }
  if (has(value, 'arrayValue') || has(value, 'kvlistValue')) return JSON.stringify(plainAnyValue(value));
  return '';
}

function plainAnyValue(value: unknown): unknown {
  if (!isObj(value)) return null;
  if (has(value, 'arrayValue')) {
    const array = value.arrayValue;
    return isObj(array) && Array.isArray(array.values) ? array.values.map(plainAnyValue) : [];
  }
  if (has(value, 'kvlistValue')) {
    const kvlist = value.kvlistValue;
    const entries = isObj(kvlist) && Array.isArray(kvlist.values) ? kvlist.values : [];
    const out: Record<string, unknown> = {};
    for (const kv of entries)
      if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = plainAnyValue(kv.value);
    return out;
  }
  if (has(value, 'stringValue')) return value.stringValue;
  if (has(value, 'boolValue')) return value.boolValue;
  if (has(value, 'doubleValue')) return value.doubleValue;
  return anyValueToString(value);
}

/** Adds a KeyValue list (the cursor's `field`) to `into`, later keys winning. */
export function addAttributes(
  into: Record<string, string>,
  keyValues: unknown,
  at: Cursor,
  field: string,
): void {
  if (keyValues === undefined || keyValues === null) return;
  if (!Array.isArray(keyValues)) typeError(at, field, 'an array');
  for (let i = 0; i < keyValues.length; i++) {
    const kv: unknown = keyValues[i];
    if (kv === null || kv === undefined) continue;
    if (!isObj(kv)) typeError(at, `${field}[${i}]`, 'an object');
    const key = kv.key;
    if (typeof key !== 'string') {
      if (key === undefined || key === null) continue;
      typeError(at, `${field}[${i}].key`, 'a string');
    }
    if (key !== '') into[key] = anyValueToString(kv.value);
  }
}
