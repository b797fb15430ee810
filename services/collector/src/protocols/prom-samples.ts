import type { BatchBuilder } from './decoded-batch.ts';
import type { Attributes, Point, Quantile, SeriesMemo } from './point.ts';
import { seriesKey } from './point.ts';

/** One Prometheus sample: a series (name + labels without `__name__`) at one time. */
export interface PromSample {
  readonly name: string;
  readonly labels: Attributes;
  readonly value: number;
  readonly timeMs: number;
  /** The series' memo, when the decoder recognises it across requests (see `Point.memo`). */
  readonly memo?: SeriesMemo | undefined;
}

/** Metric family types, from remote-write metadata or `# TYPE` lines. */
export type PromType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'info'
  | 'stateset'
  | 'unknown';

const HISTOGRAM_SUFFIXES = ['_bucket', '_count', '_sum', '_gcount', '_gsum'] as const;

/** The family a sample name may belong to, for the `wantsMetric` prefilter and for grouping. */
export function familyName(name: string): string | undefined {
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (name.endsWith(suffix) && name.length > suffix.length) return name.slice(0, -suffix.length);
  }
  return undefined;
}

/** A sample is wanted when its own name or its family's name is. */
export function wantsSample(name: string, wantsMetric: ((name: string) => boolean) | undefined): boolean {
  if (wantsMetric === undefined || wantsMetric(name)) return true;
  const family = familyName(name);
  return family !== undefined && wantsMetric(family);
}

export interface SamplesOptions {
  /**
   * Each series of a classic histogram or summary becomes a point of its own (`classicPart`)
   * instead of being reassembled with the others of its labels and time: remote write sends them as
   * separate series, which Prometheus spreads over parallel shards, so one histogram's parts arrive
   * in different requests. A scrape has them all in one body and reassembles.
   */
  readonly parts?: boolean;
  /**
   * Whether a rollout reads this very name: an `x_count` or `x_sum` without metadata or a bucket in
   * the request is `x`'s part unless a rollout reads `x_count` itself. Undefined: every such name is
   * taken as its own counter.
   */
  readonly readsMetric?: ((name: string) => boolean) | undefined;
}

type Role = 'bucket' | 'sum' | 'count' | 'quantile';

interface Group {
  readonly family: string;
  readonly kind: 'histogram' | 'summary';
  readonly labels: Attributes;
  readonly timeMs: number;
  readonly buckets: [le: number, cumulative: number][];
  readonly quantiles: Quantile[];
  sum?: number;
  count?: number;
  gauge: boolean;
  nonFinite: boolean;
  samples: number;
}

function without(labels: Attributes, key: string): Attributes {
  const { [key]: _dropped, ...rest } = labels;
  return rest;
}

function parseBound(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === '+Inf' || text === 'Inf' || text === '+inf' || text === 'inf') return Infinity;
  const v = Number(text);
  return text.trim() !== '' && !Number.isNaN(v) ? v : undefined;
}

/**
 * Turns Prometheus samples into points. Classic histograms (`_bucket` with `le`, `_sum`,
 * `_count`) and summaries (`quantile`, `_sum`, `_count`) of the same labels and timestamp become
 * one cumulative histogram or summary point; every other sample becomes a gauge or a cumulative
 * sum. `types` comes from metadata when the sender gave it; without it the shape of the batch
 * decides: a name is a histogram when `_bucket` series with `le` exist for it, a summary when
 * its samples carry `quantile`, a monotonic counter when it ends in `_total` or `_count`.
 */
export function samplesToPoints(
  samples: readonly PromSample[],
  types: ReadonlyMap<string, PromType>,
  out: BatchBuilder,
  options: SamplesOptions = {},
): void {
  if (options.parts === true) {
    partsToPoints(samples, types, out, options.readsMetric);
    return;
  }
  const histogramFamilies = new Set<string>();
  const summaryFamilies = new Set<string>();
  for (const [family, type] of types) {
    if (type === 'histogram' || type === 'gaugehistogram') histogramFamilies.add(family);
    else if (type === 'summary') summaryFamilies.add(family);
  }
  for (const s of samples) {
    if (s.name.endsWith('_bucket') && s.labels.le !== undefined) {
      const family = s.name.slice(0, -'_bucket'.length);
      if (!types.has(family)) histogramFamilies.add(family);
    } else if (s.labels.quantile !== undefined && !types.has(s.name)) {
      summaryFamilies.add(s.name);
    }
  }

  const groups = new Map<string, Group>();
  for (const s of samples) {
    const placed = place(s, histogramFamilies, summaryFamilies);
    if (placed === undefined) {
      standalone(s, types, out);
      continue;
    }
    const [family, kind, role] = placed;
    const labels =
      role === 'bucket'
        ? without(s.labels, 'le')
        : role === 'quantile'
          ? without(s.labels, 'quantile')
          : s.labels;
    const key = `${seriesKey(family, labels)}@${s.timeMs}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        family,
        kind,
        labels,
        timeMs: s.timeMs,
        buckets: [],
        quantiles: [],
        gauge: types.get(family) === 'gaugehistogram',
        nonFinite: false,
        samples: 0,
      };
      groups.set(key, group);
    }
    group.samples++;
    if (s.name.endsWith('_gcount') || s.name.endsWith('_gsum')) group.gauge = true;
    addToGroup(group, role, s);
  }
  for (const group of groups.values()) emitGroup(group, out);
}

function place(
  s: PromSample,
  histogramFamilies: ReadonlySet<string>,
  summaryFamilies: ReadonlySet<string>,
): [family: string, kind: 'histogram' | 'summary', role: Role] | undefined {
  if (s.labels.quantile !== undefined && summaryFamilies.has(s.name)) return [s.name, 'summary', 'quantile'];
  const family = familyName(s.name);
  if (family === undefined) return undefined;
  const suffix = s.name.slice(family.length);
  if (histogramFamilies.has(family)) {
    if (suffix === '_bucket' && s.labels.le !== undefined) return [family, 'histogram', 'bucket'];
    if (suffix === '_sum' || suffix === '_gsum') return [family, 'histogram', 'sum'];
    if (suffix === '_count' || suffix === '_gcount') return [family, 'histogram', 'count'];
  }
  if (summaryFamilies.has(family)) {
    if (suffix === '_sum') return [family, 'summary', 'sum'];
    if (suffix === '_count') return [family, 'summary', 'count'];
  }
  return undefined;
}

function addToGroup(group: Group, role: Role, s: PromSample): void {
  switch (role) {
    case 'bucket': {
      const le = parseBound(s.labels.le);
      if (le === undefined || !Number.isFinite(s.value)) group.nonFinite = true;
      else group.buckets.push([le, s.value]);
      return;
    }
    case 'quantile': {
      const q = Number(s.labels.quantile);
      // A summary without observations in its window reports NaN quantiles: nothing to keep.
      if (q >= 0 && q <= 1 && Number.isFinite(s.value)) group.quantiles.push({ quantile: q, value: s.value });
      return;
    }
    case 'sum':
      // A NaN or infinite sum (from NaN observations) leaves the counts usable.
      if (Number.isFinite(s.value)) group.sum = s.value;
      return;
    case 'count':
      if (Number.isFinite(s.value)) group.count = s.value;
      else group.nonFinite = true;
      return;
  }
}

function emitGroup(group: Group, out: BatchBuilder): void {
  const where = `${group.family}${JSON.stringify(group.labels)} at ${group.timeMs}`;
  if (group.nonFinite) {
    out.drop('non-finite-value', group.samples);
    return;
  }
  if (group.gauge) {
    // A gauge histogram is a snapshot, not a running count: it has no increase to measure.
    out.reject('gauge histograms are not supported', where, group.samples);
    return;
  }
  if (group.kind === 'summary') {
    if (group.count === undefined) {
      out.reject('a summary needs a _count sample', where, group.samples);
      return;
    }
    group.quantiles.sort((a, b) => a.quantile - b.quantile);
    push(out, group, {
      kind: 'summary',
      count: group.count,
      sum: group.sum ?? 0,
      quantiles: group.quantiles,
    });
    return;
  }
  const sorted = group.buckets.sort((a, b) => a[0] - b[0]);
  if (sorted.length === 0) {
    if (group.count === undefined) {
      out.reject('a histogram needs _bucket or _count samples', where, group.samples);
      return;
    }
    const base = {
      kind: 'histogram',
      temporality: 'cumulative',
      bounds: [],
      counts: [],
      count: group.count,
    } as const;
    push(out, group, group.sum === undefined ? base : { ...base, sum: group.sum });
    return;
  }
  const last = sorted[sorted.length - 1] as [number, number];
  if (last[0] !== Infinity) {
    out.reject('a histogram needs an le="+Inf" bucket', where, group.samples);
    return;
  }
  const bounds: number[] = [];
  const counts: number[] = [];
  let previous = 0;
  for (let i = 0; i < sorted.length; i++) {
    const [le, cumulative] = sorted[i] as [number, number];
    if (i > 0 && le === (sorted[i - 1] as [number, number])[0]) {
      out.reject(`le="${le}" appears twice`, where, group.samples);
      return;
    }
    if (cumulative < previous) {
      out.reject('bucket counts must not decrease as le grows', where, group.samples);
      return;
    }
    if (le !== Infinity) bounds.push(le);
    counts.push(cumulative - previous);
    previous = cumulative;
  }
  if (group.count !== undefined && group.count !== last[1]) {
    out.reject(`_count is ${group.count} but the +Inf bucket is ${last[1]}`, where, group.samples);
    return;
  }
  const base = { kind: 'histogram', temporality: 'cumulative', bounds, counts, count: last[1] } as const;
  push(out, group, group.sum === undefined ? base : { ...base, sum: group.sum });
}

function push(out: BatchBuilder, group: Group, value: Point['value']): void {
  out.points.push({ name: group.family, attributes: group.labels, timeMs: group.timeMs, value });
}

function standalone(
  s: PromSample,
  types: ReadonlyMap<string, PromType>,
  out: BatchBuilder,
  kind: StandaloneKind = standaloneKind(s.name, types),
): void {
  pushStandalone(out, kind, s.name, s.labels, s.timeMs, s.value, s.memo);
}

/** A sample that is no histogram or summary part, as a gauge or a cumulative sum (`kind` says which). */
export function pushStandalone(
  out: BatchBuilder,
  kind: StandaloneKind,
  name: string,
  labels: Attributes,
  timeMs: number,
  sample: number,
  memo: SeriesMemo | undefined,
): void {
  if (!Number.isFinite(sample)) {
    out.drop('non-finite-value');
    return;
  }
  const value: Point['value'] = kind.counter
    ? { kind: 'sum', value: sample, monotonic: kind.monotonic, temporality: 'cumulative' }
    : { kind: 'gauge', value: sample };
  out.points.push({ name, attributes: labels, timeMs, value, memo });
}

export interface StandaloneKind {
  readonly counter: boolean;
  readonly monotonic: boolean;
}

/**
 * Remote write: what a series is when nothing else in its request can change it (see
 * `partsToPoints`): a name without a histogram suffix, with no `quantile` label, is a gauge or a
 * counter by its type or its name alone. Undefined for the rest: the whole request decides those.
 */
export function aloneKind(
  name: string,
  labels: Attributes,
  types: ReadonlyMap<string, PromType>,
): StandaloneKind | undefined {
  if (labels.quantile !== undefined || familyName(name) !== undefined) return undefined;
  return standaloneKind(name, types);
}

/** What a sample that is no histogram or summary part is: by its type, else by its name's suffix. */
function standaloneKind(name: string, types: ReadonlyMap<string, PromType>): StandaloneKind {
  const family = name.endsWith('_total') ? name.slice(0, -'_total'.length) : undefined;
  const type = types.get(name) ?? (family === undefined ? undefined : types.get(family));
  if (type !== undefined && type !== 'unknown') return kindOf(type === 'counter', true);
  return kindOf(
    name.endsWith('_total') || name.endsWith('_count') || name.endsWith('_sum'),
    !name.endsWith('_sum'),
  );
}

/** The four kinds, shared: remote write keeps one with every label set it remembers. */
const KINDS: readonly StandaloneKind[] = [
  { counter: false, monotonic: false },
  { counter: false, monotonic: true },
  { counter: true, monotonic: false },
  { counter: true, monotonic: true },
].map((kind) => Object.freeze(kind));

function kindOf(counter: boolean, monotonic: boolean): StandaloneKind {
  return KINDS[(counter ? 2 : 0) + (monotonic ? 1 : 0)] as StandaloneKind;
}

/** What a sample's name says in one request, worked out once per name (a request repeats a few names). */
interface NameFacts {
  readonly family: string | undefined;
  readonly suffix: string;
  readonly familyType: PromType | undefined;
  readonly kind: StandaloneKind;
}

function nameFacts(name: string, types: ReadonlyMap<string, PromType>): NameFacts {
  const family = familyName(name);
  return {
    family,
    suffix: family === undefined ? '' : name.slice(family.length),
    familyType: family === undefined ? undefined : types.get(family),
    kind: standaloneKind(name, types),
  };
}

/**
 * Remote write: every sample is its own series. `x_bucket{le}` is a bucket of histogram `x`; `x_count`
 * and `x_sum` are parts of `x` when metadata or a bucket in the request says `x` is a histogram or
 * summary, else when a rollout reads `x` rather than `x_count` itself (their fields are the same for
 * a histogram and a summary: the count and the sum). A summary's quantile series is not kept.
 */
function partsToPoints(
  samples: readonly PromSample[],
  types: ReadonlyMap<string, PromType>,
  out: BatchBuilder,
  readsMetric: ((name: string) => boolean) | undefined,
): void {
  const histogramFamilies = new Set<string>();
  for (const s of samples) {
    if (s.name.endsWith('_bucket') && s.labels.le !== undefined) histogramFamilies.add(s.name.slice(0, -7));
  }
  const names = new Map<string, NameFacts>();
  for (const s of samples) {
    let facts = names.get(s.name);
    if (facts === undefined) {
      facts = nameFacts(s.name, types);
      names.set(s.name, facts);
    }
    const { family, suffix, familyType } = facts;
    if (
      family !== undefined &&
      (familyType === 'gaugehistogram' || suffix === '_gcount' || suffix === '_gsum')
    ) {
      // A gauge histogram is a snapshot, not a running count: it has no increase to measure.
      out.reject('gauge histograms are not supported', `${s.name}${JSON.stringify(s.labels)} at ${s.timeMs}`);
      continue;
    }
    const part =
      family === undefined
        ? undefined
        : partOf(s, family, suffix, familyType, types, histogramFamilies, readsMetric);
    if (part === undefined) {
      if (s.labels.quantile !== undefined && isSummary(s.name, types)) out.drop('summary-quantile');
      else standalone(s, types, out, facts.kind);
      continue;
    }
    if (!Number.isFinite(s.value)) {
      out.drop('non-finite-value');
      continue;
    }
    let le: number | undefined;
    if (part === 'bucket') {
      le = parseBound(s.labels.le);
      if (le === undefined) {
        out.reject(
          `le="${s.labels.le}" is not a number`,
          `${s.name}${JSON.stringify(s.labels)} at ${s.timeMs}`,
        );
        continue;
      }
    }
    out.points.push({
      name: family as string,
      attributes: s.labels,
      timeMs: s.timeMs,
      value:
        le === undefined
          ? { kind: 'classicPart', part, value: s.value }
          : { kind: 'classicPart', part, le, value: s.value },
      series: s.name,
      memo: s.memo,
    });
  }
}

function partOf(
  s: PromSample,
  family: string,
  suffix: string,
  familyType: PromType | undefined,
  types: ReadonlyMap<string, PromType>,
  histogramFamilies: ReadonlySet<string>,
  readsMetric: ((name: string) => boolean) | undefined,
): 'bucket' | 'count' | 'sum' | undefined {
  const ownType = types.get(s.name);
  // Metadata that names the sample itself, or its family as something else, makes it a metric of its own.
  if (ownType !== undefined && ownType !== 'unknown') return undefined;
  if (
    familyType !== undefined &&
    familyType !== 'unknown' &&
    familyType !== 'histogram' &&
    familyType !== 'summary'
  ) {
    return undefined;
  }
  if (suffix === '_bucket')
    return s.labels.le !== undefined && familyType !== 'summary' ? 'bucket' : undefined;
  if (suffix !== '_count' && suffix !== '_sum') return undefined;
  const role = suffix === '_count' ? 'count' : 'sum';
  if (familyType === 'histogram' || familyType === 'summary') return role;
  if (histogramFamilies.has(family)) return role;
  if (readsMetric === undefined || readsMetric(s.name)) return undefined;
  return readsMetric(family) ? role : undefined;
}

function isSummary(name: string, types: ReadonlyMap<string, PromType>): boolean {
  const type = types.get(name);
  return type === undefined || type === 'unknown' || type === 'summary';
}
