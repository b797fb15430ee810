import { type Attributes, SeriesMemo } from './point.ts';

/**
 * Series an OTLP sender repeats in every request, recognised by their bytes: the protobuf decoder
 * builds a series' attributes (resource ∪ scope ∪ point) once and then finds them by the raw bytes
 * they came from, as remote write finds a label set. Every point of a known series shares one
 * attributes record and one `SeriesMemo`, on which the ingest path keeps what it derived from the
 * series for the current rollouts (matches, series id, checks); that part is keyed by the matcher,
 * so a changed spec is judged afresh while the attributes, which no spec decides, stay.
 *
 * Keys are byte strings (latin1: one char per byte), so two spellings of the same attributes (another
 * order, another encoding of a value) are two entries with equal records: they are one series
 * downstream, where the series id sorts attributes by name.
 *
 * Bounded: past `limit` entries the oldest is forgotten (insertion order), so a sender inventing
 * series costs a decode per point, never memory. One cache per collector, created by the route and
 * shared by its requests (decoding is synchronous).
 */
export class OtlpSeriesCache {
  readonly limit: number;
  /** Resource and scope bytes → their attributes, with a number that stands for them in series keys. */
  readonly #bases = new Map<string, SeriesBase>();
  /** Base number, metric name and point attribute bytes → the series. */
  readonly #series = new Map<string, KnownSeries>();
  #nextBase = 0;

  constructor(limit = 50_000) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer (got ${limit})`);
    this.limit = limit;
  }

  get size(): number {
    return this.#series.size;
  }

  base(key: string): SeriesBase | undefined {
    return this.#bases.get(key);
  }

  /** Remembers the attributes of a resource and scope; the series of a base forgotten and seen again are new entries. */
  rememberBase(key: string, attributes: Attributes): SeriesBase {
    const base: SeriesBase = { prefix: `${this.#nextBase++}\u0100`, attributes };
    remember(this.#bases, key, base, this.limit);
    return base;
  }

  series(key: string): KnownSeries | undefined {
    return this.#series.get(key);
  }

  /** Remembers a series under `key`: `base`, `name` and `bytes`, its attribute fields as sent, start it. */
  rememberSeries(
    key: string,
    base: SeriesBase,
    name: string,
    bytes: Buffer,
    attributes: Attributes,
  ): KnownSeries {
    const series: KnownSeries = {
      base,
      name,
      bytes,
      attributes,
      memo: new SeriesMemo(),
      next: undefined,
      live: true,
    };
    const forgotten = remember(this.#series, key, series, this.limit);
    if (forgotten !== undefined) {
      forgotten.live = false;
      // A forgotten series holds on to nothing: a live one's hint keeps at most it alive.
      forgotten.next = undefined;
    }
    return series;
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
}

export interface KnownSeries {
  readonly base: SeriesBase;
  readonly name: string;
  /** The point's attribute fields as sent, tags and lengths included. */
  readonly bytes: Buffer;
  /** Resource ∪ scope ∪ point attributes, the point winning; shared, never changed. */
  readonly attributes: Attributes;
  readonly memo: SeriesMemo;
  /**
   * The series that came after this one in the last request that held both: senders repeat their
   * series in the same order, so it is the first one tried (one byte compare, no key built).
   */
  next: KnownSeries | undefined;
  /** False once forgotten: no longer offered as a hint. */
  live: boolean;
}

/** Sets `key`, first forgetting the oldest entry when the map is full; returns what was forgotten. */
function remember<T>(map: Map<string, T>, key: string, value: T, limit: number): T | undefined {
  let forgotten: T | undefined;
  if (map.size >= limit) {
    const oldest = map.entries().next();
    if (oldest.done !== true) {
      map.delete(oldest.value[0]);
      forgotten = oldest.value[1];
    }
  }
  map.set(key, value);
  return forgotten;
}
