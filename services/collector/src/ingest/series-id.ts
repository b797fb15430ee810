import { createHash } from 'node:crypto';
import { type Attributes, seriesKey } from '../protocols/point.ts';

/**
 * Ids by attributes record, then by metric name. The remote-write decoder hands out the same
 * record for the same label bytes, so a series is hashed once per decoder cache lifetime rather
 * than once per sample; a record is dropped with the last point that holds it.
 */
const byRecord = new WeakMap<Attributes, Map<string, string>>();

/**
 * Ids by series key, for decoders that build a fresh record per point (OTLP): the key is still
 * built, the SHA-1 is not. Bounded, cleared when full: a miss costs one hash, never a wrong id.
 */
const KEY_CACHE_LIMIT = 20_000;
let byKey = new Map<string, string>();

/**
 * 96 bits of the SHA-1, 16 characters: each id is sent to Redis several times per batch and kept in
 * its sets and hashes, and a collision among even a million series of one rollout has a chance
 * near 10⁻¹⁷.
 */
const ID_BYTES = 12;

/**
 * The series a point belongs to, hashed: a Redis hash field and sorted-set member per series.
 * Attributes records are immutable once decoded (decoders share them between points), which is
 * what makes the identity cache sound.
 */
export function seriesId(name: string, attributes: Attributes): string {
  let names = byRecord.get(attributes);
  const known = names?.get(name);
  if (known !== undefined) return known;
  const id = idOfKey(seriesKey(name, attributes));
  if (names === undefined) {
    names = new Map();
    byRecord.set(attributes, names);
  }
  names.set(name, id);
  return id;
}

function idOfKey(key: string): string {
  const known = byKey.get(key);
  if (known !== undefined) return known;
  const id = createHash('sha1').update(key).digest().toString('base64url', 0, ID_BYTES);
  if (byKey.size >= KEY_CACHE_LIMIT) byKey = new Map();
  byKey.set(key, id);
  return id;
}
