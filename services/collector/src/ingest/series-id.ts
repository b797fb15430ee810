import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { type Attributes, seriesKey } from '../protocols/point.ts';
import { DEFAULT_LIMITS } from './limits.ts';

/**
 * 96 bits of the SHA-1, 16 characters: each id is sent to Redis several times per batch and kept in
 * its sets and hashes, and a collision among even a million series of one rollout has a chance
 * near 10⁻¹⁷.
 */
const ID_BYTES = 12;

/**
 * Series ids remembered by key by default (`INGEST_SERIES_ID_CACHE`): as many series as one request
 * may carry, two and a half rollouts at their cap of active series. Each costs about 110 bytes plus
 * its key's length (335 with 9 labels, measured with the heap), so 17 MB when full of such series.
 */
export const DEFAULT_SERIES_IDS = DEFAULT_LIMITS.maxSeriesPerRequest;

/**
 * A series' id: the SHA-1 of its key, a Redis hash field and sorted-set member per series.
 * `SeriesFactsMemo` keeps the id of a series a decoder recognises across requests with its facts;
 * for other points `idOf` remembers ids by series key, so the key is built but the SHA-1 is not.
 * Bounded, the least recently used id forgotten first: the series a collector keeps seeing stay,
 * whatever came once; a miss costs one hash, never a wrong id. One per ingest runtime.
 */
export class SeriesIds {
  readonly #byKey: LRUCache<string, string>;
  /** SHA-1s computed so far: what the memory above and in the series' facts saves. */
  hashes = 0;
  /** Ids forgotten so far, the least recently used to make room (ids are never forgotten idle). */
  readonly forgotten = { idle: 0, full: 0 };

  constructor(readonly limit = DEFAULT_SERIES_IDS) {
    this.#byKey = new LRUCache({ max: limit });
  }

  /** Ids remembered now, at most `limit`. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Whether the id of this series is remembered now (without making it more recent). */
  remembers(name: string, attributes: Attributes): boolean {
    return this.#byKey.has(seriesKey(name, attributes));
  }

  /** The series' id, remembered by key. */
  idOf(name: string, attributes: Attributes): string {
    const key = seriesKey(name, attributes);
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    const id = this.#hash(key);
    // The key is new here: at the limit, setting it forgets the least recently used.
    if (this.#byKey.size >= this.limit) this.forgotten.full++;
    this.#byKey.set(key, id);
    return id;
  }

  /** The series' id, hashed and not remembered here: for a caller that keeps it. */
  hashOf(name: string, attributes: Attributes): string {
    return this.#hash(seriesKey(name, attributes));
  }

  #hash(key: string): string {
    this.hashes++;
    return createHash('sha1').update(key).digest().toString('base64url', 0, ID_BYTES);
  }
}
