import type { SeriesCell } from './series-state.ts';

/**
 * What one ingest script call carries for one rollout: its keys, target groups and ops, as
 * store-batch builds them and `runIngestScript` applies them.
 */

/** One series' contribution to one rollout, as the ingest script takes it. */
export type IngestOp =
  | (OpBase & {
      /** Delta or raw sample: `v` is added as it is. */
      k: 'd';
    })
  | (OpBase & {
      /** Cumulative: `v` is the running total; the script adds its increase since the series' last point. */
      k: 'c';
      /** Index (1-based, into KEYS) of the series state hash. */
      sk: number;
      /** Start of the cumulative stream (unix ms), 0 when unknown. */
      st: number;
      /** Point time (unix ms): a point not newer than the last one seen is ignored. */
      ts: number;
      /** Monotonic: a component that went down means the counter was reset. */
      mono: boolean;
    });

interface OpBase {
  /** The series id (metric and attributes): the cardinality cap and the cumulative state are per series. */
  sid: string;
  /** Index into `targets`: which bucket keys the contribution goes to. */
  t: number;
  /** Fields to add (the bucket field scheme of @rollout-guard/shared/store). */
  v: Record<string, number>;
  mn?: number | undefined;
  mx?: number | undefined;
  lv?: number | undefined;
  lt?: number | undefined;
  /** How many data points the op stands for (a histogram reassembled from many samples is one op). */
  np?: number;
  /** The series' cell in the collector's cache, when the caller kept it from an earlier batch. */
  cell?: SeriesCell | undefined;
}

export interface IngestCall {
  rollout: string;
  /** Digest of the batch; the script applies a digest once per rollout. Empty: no idempotence marker. */
  digest: string;
  nowMs: number;
  /** Keys beyond the two fixed ones, referenced by 1-based index + 2 … see `KeyTable`. */
  keys: string[];
  /** Target groups: each a list of [key index into KEYS (1-based), ttl seconds]. */
  targets: Array<Array<[number, number]>>;
  ops: IngestOp[];
  /** Cardinality cap: active series per rollout (0: none). */
  maxActiveSeries: number;
  /** A series not seen for this long no longer counts as active. */
  activeSeriesMs: number;
  /** How long the cumulative state of a series is kept after its last point. */
  seriesStateSeconds: number;
  /** How long a batch digest is remembered: longer than any sender keeps retrying one batch. */
  markerMs: number;
  /** A never-seen cumulative series that started at or after this time counts its whole value. */
  freshAfterMs: number;
}

/** Builds the key table for one call: fixed keys first, then each distinct key once. */
export class KeyTable {
  readonly keys: string[] = [];
  readonly #index = new Map<string, number>();
  /** The KEYS index (1-based) of `key`, adding it if new. */
  indexOf(key: string): number {
    let index = this.#index.get(key);
    if (index === undefined) {
      this.keys.push(key);
      index = this.keys.length + 2;
      this.#index.set(key, index);
    }
    return index;
  }
}
