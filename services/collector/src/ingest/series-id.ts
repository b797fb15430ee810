import { createHash } from 'node:crypto';
import { type Attributes, seriesKey } from '../protocols/point.ts';

/**
 * 96 bits of the SHA-1, 16 characters: each id is sent to Redis several times per batch and kept in
 * its sets and hashes, and a collision among even a million series of one rollout has a chance
 * near 10⁻¹⁷.
 */
const ID_BYTES = 12;

/**
 * Series ids by series key: the key is built, the SHA-1 is not. Bounded, cleared when full: a miss
 * costs one hash, never a wrong id. (Per attributes record, `SeriesFactsMemo` remembers the id with
 * the series' other facts, so a remote-write series is not even keyed again per sample.) One per
 * ingest runtime.
 */
export class SeriesIds {
  #byKey = new Map<string, string>();

  constructor(readonly limit = 20_000) {}

  /** The series a point belongs to, hashed: a Redis hash field and sorted-set member per series. */
  idOf(name: string, attributes: Attributes): string {
    const key = seriesKey(name, attributes);
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    const id = createHash('sha1').update(key).digest().toString('base64url', 0, ID_BYTES);
    if (this.#byKey.size >= this.limit) this.#byKey = new Map();
    this.#byKey.set(key, id);
    return id;
  }
}
