import type { KnownSeries, OtlpSeriesCache, SeriesBase } from './otlp-series-cache.ts';
import type { WireReader } from './wire-reader.ts';

/**
 * Finds the series of each data point of one protobuf request in the series cache, by the bytes of
 * the point's attribute fields: first the series that followed the previous point's last time (one
 * native compare where the point's attributes start, so none of them is walked: senders repeat their
 * series in the same order), else a map lookup on the bytes as a string, else the attributes are
 * decoded and remembered.
 */
export class SeriesFinder {
  readonly #r: WireReader;
  readonly #cache: OtlpSeriesCache;
  /** Adds the KeyValue at [start, end) of the body to `into`. */
  readonly #addAttribute: (into: Record<string, string>, start: number, end: number) => void;
  /**
   * Where the current point's attribute fields sit, from tag to end: start, end, start, end… (grows
   * only). Whole fields, length prefixes and all, so that the bytes of a series' key parse one way only.
   */
  readonly #spans: number[] = [];
  #count = 0;
  /** The series of the last point: the one after it last time is the likely next. */
  #previous: KnownSeries | undefined;
  /** The likely series of the current point (of its base and metric), until its bytes say otherwise. */
  #hint: KnownSeries | undefined;
  /** Set when the point's attribute fields began with the hint's very bytes (`skipExpected`). */
  #matched: KnownSeries | undefined;

  constructor(
    r: WireReader,
    cache: OtlpSeriesCache,
    addAttribute: (into: Record<string, string>, start: number, end: number) => void,
  ) {
    this.#r = r;
    this.#cache = cache;
    this.#addAttribute = addAttribute;
  }

  /** The current point's base, metric name and the start of its series' keys (`#points`). */
  #base: SeriesBase | undefined;
  #name = '';
  #prefix = '';

  /**
   * A new point, of metric `name` under `base`, its series' keys starting with `prefix`: the attribute
   * fields noted so far were the previous point's.
   */
  startPoint(prefix: string, base: SeriesBase, name: string): void {
    this.#prefix = prefix;
    this.#base = base;
    this.#name = name;
    this.#count = 0;
    this.#matched = undefined;
    const hint = this.#previous?.next;
    this.#hint = hint?.live && hint.base === base && hint.name === name ? hint : undefined;
  }

  /**
   * At the point's first attribute field (`start`, its tag; the point ends at `end`): when the expected
   * series' attribute bytes are there, notes them as the point's attributes and returns where they end,
   * so the reader goes on past them unwalked; else returns `start`.
   */
  skipExpected(start: number, end: number): number {
    const hint = this.#hint;
    if (hint === undefined || this.#count !== 0) return start;
    const length = hint.bytes.length;
    if (
      length === 0 ||
      start + length > end ||
      this.#r.bytes.compare(hint.bytes, 0, length, start, start + length) !== 0
    ) {
      return start;
    }
    this.#matched = hint;
    this.note(start, start + length);
    return start + length;
  }

  /** Notes an attribute field of the current point, tag included. */
  note(fieldStart: number, fieldEnd: number): void {
    this.#spans[this.#count++] = fieldStart;
    this.#spans[this.#count++] = fieldEnd;
  }

  /** The series of the current point. Moves the reader on a miss. */
  find(): KnownSeries {
    const previous = this.#previous;
    const series = this.#expected() ?? this.#lookup();
    this.#cache.held(series);
    if (previous?.live) previous.next = series;
    this.#previous = series;
    return series;
  }

  /** The expected series, when this point's attributes are its very bytes and no more. */
  #expected(): KnownSeries | undefined {
    const hint = this.#hint;
    const count = this.#count;
    if (hint === undefined || count === 0) return undefined;
    // Matched where the attributes began, and no attribute field came after them.
    if (this.#matched === hint) return count === 2 ? hint : undefined;
    const spans = this.#spans;
    for (let i = 2; i < count; i += 2) if (spans[i] !== spans[i - 1]) return undefined;
    const start = spans[0] as number;
    const end = spans[count - 1] as number;
    if (end - start !== hint.bytes.length) return undefined;
    return this.#r.bytes.compare(hint.bytes, 0, hint.bytes.length, start, end) === 0 ? hint : undefined;
  }

  #lookup(): KnownSeries {
    const base = this.#base as SeriesBase;
    const name = this.#name;
    const r = this.#r;
    const spans = this.#spans;
    const count = this.#count;
    // Whole fields concatenated parse as the same fields: fields side by side (as encoders write them)
    // are taken as one slice.
    const slices: Buffer[] = [];
    let from = 0;
    for (let i = 2; i <= count; i += 2) {
      if (i === count || spans[i] !== spans[i - 1]) {
        slices.push(r.bytes.subarray(spans[from] as number, spans[i - 1] as number));
        from = i;
      }
    }
    const bytes = slices.length === 1 ? (slices[0] as Buffer) : Buffer.concat(slices);
    const key = this.#prefix + bytes.toString('latin1');
    const known = this.#cache.series(key);
    if (known !== undefined) return known;
    const attributes: Record<string, string> = {};
    for (const key in base.attributes) attributes[key] = base.attributes[key] as string;
    // A span is one field, or several side by side when the expected series' bytes matched.
    for (let i = 0; i < count; i += 2) {
      r.pos = spans[i] as number;
      while (r.pos < (spans[i + 1] as number)) {
        r.varint();
        const end = r.delimitedEnd();
        this.#addAttribute(attributes, r.pos, end);
        r.pos = end;
      }
    }
    // A copy: the cache does not keep the request's body alive.
    return this.#cache.rememberSeries(key, base, name, Buffer.from(bytes), attributes);
  }
}
