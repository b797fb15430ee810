import { createHash } from 'node:crypto';
import { type Attributes, seriesKey } from '../protocols/point.ts';

/**
 * Ids by series key: the key is built, the SHA-1 is not. Bounded, cleared when full: a miss costs
 * one hash, never a wrong id. (Per attributes record, `store-batch.ts` remembers the id with the
 * series' other facts, so a remote-write series is not even keyed again per sample.)
 */
const KEY_CACHE_LIMIT = 20_000;
let byKey = new Map<string, string>();

/**
 * 96 bits of the SHA-1, 16 characters: each id is sent to Redis several times per batch and kept in
 * its sets and hashes, and a collision among even a million series of one rollout has a chance
 * near 10⁻¹⁷.
 */
const ID_BYTES = 12;

/** The series a point belongs to, hashed: a Redis hash field and sorted-set member per series. */
export function seriesId(name: string, attributes: Attributes): string {
  const key = seriesKey(name, attributes);
  const known = byKey.get(key);
  if (known !== undefined) return known;
  const id = createHash('sha1').update(key).digest().toString('base64url', 0, ID_BYTES);
  if (byKey.size >= KEY_CACHE_LIMIT) byKey = new Map();
  byKey.set(key, id);
  return id;
}
