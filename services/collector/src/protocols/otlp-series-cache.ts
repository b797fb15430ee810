import type { Attributes, SeriesMemo } from './point.ts';

/** How much the cache holds by default: about a collector's worth of series of a few hundred bytes each. */
export const SERIES_CACHE_LIMITS: CacheLimits = { series: 50_000, bytes: 16 * 1024 * 1024 };

export interface CacheLimits {
  /** Series (and, apart, resource-and-scope bases) remembered at most. */
  readonly series: number;
  /** Bytes of keys (the attribute bytes as sent) remembered at most, series and bases apart. */
  readonly bytes: number;
}

/**
 * Series an OTLP sender repeats in every request, recognised by their bytes: the protobuf decoder
 * builds a series' attributes (resource ∪ scope ∪ point) once and then finds them by the raw bytes
 * they came from, as remote write finds a label set. Every point of a known series shares one
 * attributes record and its `KnownSeries`, which is also its `SeriesMemo`: there the ingest path
 * keeps what it derived from the series for the current rollouts (matches, series id, checks), keyed
 * by the matcher, so a changed spec is judged afresh while the attributes, which no spec decides, stay.
 *
 * Keys are byte strings (latin1: one char per byte), so two spellings of the same attributes (another
 * order, another encoding of a value) are two entries with equal records: they are one series
 * downstream, where the series id sorts attributes by name. The OTLP/JSON decoder keeps a cache of
 * its own the same way, keyed by the canonical text of the parsed attributes (`otlp.ts`).
 *
 * Bounded in entries and in key bytes (a series' attributes may be 100 KiB within the label limits):
 * past either the oldest entries are forgotten (insertion order), so a sender inventing series costs
 * a decode per point, never memory. Series and bases no request held between two sweeps
 * (`forgetIdle`) are forgotten too. One cache per ingest runtime, shared by its requests (decoding is
 * synchronous).
 */
export class OtlpSeriesCache {
  readonly limits: CacheLimits;
  /** Resource and scope bytes → their attributes, with a number that stands for them in series keys. */
  readonly #bases: BoundedMap<SeriesBase>;
  /** Base number, metric name and point attribute bytes → the series. */
  readonly #series: BoundedMap<KnownSeries>;
  #nextBase = 0;
  /** Counts the sweeps: a series or base a request held since the last one has it as `seen`. */
  #round = 0;
  #forgottenIdle = 0;

  constructor(limits: CacheLimits = SERIES_CACHE_LIMITS) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`limits.${name} must be a positive integer (got ${value})`);
    }
    this.limits = limits;
    this.#bases = new BoundedMap(limits);
    this.#series = new BoundedMap(limits);
  }

  /** Series remembered. */
  get size(): number {
    return this.#series.size;
  }

  /** Series forgotten so far: unsent for a sweep period (`idle`), or the oldest past the bounds (`full`). */
  get forgotten(): { readonly idle: number; readonly full: number } {
    return { idle: this.#forgottenIdle, full: this.#series.evicted };
  }

  /** Bytes of the series' keys remembered. */
  get bytes(): number {
    return this.#series.bytes;
  }

  base(key: string): SeriesBase | undefined {
    const base = this.#bases.get(key);
    if (base !== undefined) base.seen = this.#round;
    return base;
  }

  /** Remembers the attributes of a resource and scope; the series of a base forgotten and seen again are new entries. */
  rememberBase(key: string, attributes: Attributes): SeriesBase {
    const base: SeriesBase = { prefix: `${this.#nextBase++}\u0100`, attributes, seen: this.#round };
    this.#bases.set(key, base);
    return base;
  }

  series(key: string): KnownSeries | undefined {
    return this.#series.get(key);
  }

  /** A request holds `series` (found by key, or as the one expected next): the decoders say so once a point. */
  held(series: KnownSeries): void {
    series.seen = this.#round;
  }

  /**
   * Forgets the series and bases no request held since the last sweep (the series of a forgotten base
   * are found under a new one when it comes back). Returns how many series were forgotten.
   */
  forgetIdle(): number {
    const round = this.#round;
    this.#round++;
    this.#bases.forgetWhere((base) => base.seen !== round);
    const forgotten = this.#series.forgetWhere((series) => series.seen !== round, forgetSeries);
    this.#forgottenIdle += forgotten;
    return forgotten;
  }

  /**
   * Remembers a series under `key`: `base`, `name` and `bytes`, its attribute fields as sent, start it
   * (for OTLP/JSON `bytes` is empty and `keyValues` its parsed attribute list).
   */
  rememberSeries(
    key: string,
    base: SeriesBase,
    name: string,
    bytes: Buffer,
    attributes: Attributes,
    keyValues?: unknown,
  ): KnownSeries {
    const series: KnownSeries = {
      base,
      name,
      bytes,
      keyValues,
      attributes,
      derived: undefined,
      next: undefined,
      live: true,
      seen: this.#round,
    };
    series.live = this.#series.set(key, series, forgetSeries);
    return series;
  }
}

function forgetSeries(forgotten: KnownSeries): void {
  forgotten.live = false;
  // A forgotten series holds on to nothing: a live one's hint keeps at most it alive.
  forgotten.next = undefined;
}

/** A map that forgets its oldest entries past a number of entries or of key characters. */
class BoundedMap<T> {
  readonly #map = new Map<string, T>();
  readonly #limits: CacheLimits;
  bytes = 0;
  /** Entries forgotten to make room, so far. */
  evicted = 0;

  constructor(limits: CacheLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): T | undefined {
    return this.#map.get(key);
  }

  /**
   * Sets `key` (not yet set), first forgetting the oldest entries it would not fit beside. False when
   * the key alone is over the byte budget: it is not kept.
   */
  set(key: string, value: T, forget?: (value: T) => void): boolean {
    const { series, bytes } = this.#limits;
    for (const [oldKey, oldValue] of this.#map) {
      if (this.#map.size < series && this.bytes + key.length <= bytes) break;
      this.#map.delete(oldKey);
      this.bytes -= oldKey.length;
      this.evicted++;
      forget?.(oldValue);
    }
    if (key.length > bytes) return false;
    this.#map.set(key, value);
    this.bytes += key.length;
    return true;
  }

  /** Forgets the entries `idle` says yes to. Returns how many. */
  forgetWhere(idle: (value: T) => boolean, forget?: (value: T) => void): number {
    let forgotten = 0;
    for (const [key, value] of this.#map) {
      if (!idle(value)) continue;
      this.#map.delete(key);
      this.bytes -= key.length;
      forget?.(value);
      forgotten++;
    }
    return forgotten;
  }
}

export interface SeriesBase {
  /**
   * Starts the key of each series under this resource and scope: the base's number and U+0100, a char
   * no byte string holds, so no name or attribute bytes can be read as part of another key.
   */
  readonly prefix: string;
  /** Resource attributes, then scope attributes over them. */
  readonly attributes: Attributes;
  /** The cache's sweep round when a request last held it (`OtlpSeriesCache.forgetIdle`). */
  seen: number;
}

/** A series known across requests; also its memo (`SeriesMemo`). */
export interface KnownSeries extends SeriesMemo {
  readonly base: SeriesBase;
  readonly name: string;
  /** The point's attribute fields as sent, tags and lengths included (protobuf; none for JSON's series). */
  readonly bytes: Buffer;
  /** The point's attribute list as parsed (OTLP/JSON): what a point expected to be this series is compared with. */
  readonly keyValues: unknown;
  /** Resource ∪ scope ∪ point attributes, the point winning; shared, never changed. */
  readonly attributes: Attributes;
  /**
   * The series that came after this one in the last request that held both: senders repeat their
   * series in the same order, so it is the first one tried (one byte compare, no key built).
   */
  next: KnownSeries | undefined;
  /** False once forgotten (or never kept): no longer offered as a hint. */
  live: boolean;
  /** The cache's sweep round when a request last held it (`OtlpSeriesCache.forgetIdle`). */
  seen: number;
}
