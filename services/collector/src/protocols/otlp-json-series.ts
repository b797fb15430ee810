import type { Cursor } from './otlp-cursor.ts';
import type { KnownSeries, OtlpSeriesCache, SeriesBase } from './otlp-series-cache.ts';
import { addAttributes, type Obj, obj } from './otlp-values.ts';
import type { Attributes, SeriesMemo } from './point.ts';

/**
 * The series of an OTLP/JSON request's points in the series cache: first the series that followed the
 * previous point's last time, when the point's parsed attribute list equals the one it was remembered
 * with (senders repeat their series in the same order; no text is made), else by a canonical text of
 * the attributes: `JSON.stringify` of the parsed KeyValue lists (the same for any spacing or escaping
 * of the same values), under the resource and scope's own. A key is the base's number, the point's
 * attributes' text and U+0100, then the metric name: a JSON text ends where its brackets close, so no
 * two series share a key. Without a cache (or for a base it does not hold) every point's attributes
 * are merged afresh and its points carry no memo. One per request.
 */
export class JsonSeries {
  readonly #cache: OtlpSeriesCache | undefined;
  /** The series of the last point: the one after it last time is the likely next. */
  #previous: KnownSeries | undefined;

  constructor(cache: OtlpSeriesCache | undefined) {
    this.#cache = cache;
  }

  /** The resource and scope attributes of a scope's metrics, merged (resource, then scope over it). */
  base(rm: Obj, sm: Obj, at: Cursor): SeriesBase {
    const depth = at.depth;
    at.depth = 1;
    const resource = obj(rm.resource, at, 'resource');
    at.depth = 2;
    const scope = obj(sm.scope, at, 'scope');
    const key = cacheKey(`${canonical(resource?.attributes)}\u0100${canonical(scope?.attributes)}`);
    const known = key === undefined ? undefined : this.#cache?.base(key);
    if (known !== undefined) {
      at.depth = depth;
      return known;
    }
    const attributes: Record<string, string> = {};
    at.depth = 1;
    if (resource) addAttributes(attributes, resource.attributes, at, 'resource.attributes');
    at.depth = 2;
    if (scope) addAttributes(attributes, scope.attributes, at, 'scope.attributes');
    at.depth = depth;
    // No prefix: a base the cache does not hold, whose series are not looked up either.
    if (key === undefined || this.#cache === undefined) return { prefix: '', attributes, seen: 0 };
    return this.#cache.rememberBase(key, attributes);
  }

  /** The series of data point `dp` of metric `name` under `base` (the cursor at the point). */
  of(base: SeriesBase, name: string, dp: Obj, at: Cursor): { attributes: Attributes; memo?: SeriesMemo } {
    const previous = this.#previous;
    const hint = previous?.next;
    const series =
      hint?.live && hint.base === base && hint.name === name && sameJson(hint.keyValues, dp.attributes)
        ? hint
        : this.#lookup(base, name, dp, at);
    if (series === undefined) {
      this.#previous = undefined;
      return { attributes: mergedAttributes(base, dp, at) };
    }
    this.#cache?.held(series);
    if (previous?.live) previous.next = series;
    this.#previous = series;
    return { attributes: series.attributes, memo: series };
  }

  /** The series by its key, remembered when new; undefined when it has no usable key. */
  #lookup(base: SeriesBase, name: string, dp: Obj, at: Cursor): KnownSeries | undefined {
    const cache = this.#cache;
    if (cache === undefined || base.prefix === '') return undefined;
    const key = cacheKey(`${base.prefix}${canonical(dp.attributes)}\u0100${name}`);
    if (key === undefined) return undefined;
    const known = cache.series(key);
    if (known !== undefined) return known;
    return cache.rememberSeries(key, base, name, NO_BYTES, mergedAttributes(base, dp, at), dp.attributes);
  }
}

/** The base's attributes and then the point's over them. */
function mergedAttributes(base: SeriesBase, dp: Obj, at: Cursor): Record<string, string> {
  // Copied key by key: measured ~25x faster than `{ ...base }` when more keys follow.
  const attributes: Record<string, string> = {};
  for (const key in base.attributes) attributes[key] = base.attributes[key] as string;
  addAttributes(attributes, dp.attributes, at, 'attributes');
  return attributes;
}

const NO_BYTES = Buffer.alloc(0);

/** A parsed JSON value's canonical text; '' for none. */
function canonical(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

/**
 * `key`, unless it holds `null`: JSON.stringify writes an overflowing number (`1e999`, parsed as
 * Infinity) as null too, so such a key may stand for two different texts and is not used.
 */
function cacheKey(key: string): string | undefined {
  return key.includes('null') ? undefined : key;
}

/**
 * Whether two parsed JSON values are equal: the same numbers, strings, booleans and nulls in arrays and
 * objects of the same shape (key order aside, which the key text keeps but no attribute depends on).
 * Nesting is bounded by the depth check before parsing.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const key in x) {
    if (!Object.hasOwn(y, key) || !sameJson(x[key], y[key])) return false;
    keys++;
  }
  for (const _ in y) keys--;
  return keys === 0;
}
