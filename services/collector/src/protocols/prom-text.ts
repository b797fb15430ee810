import { BatchBuilder, type DecodedBatch } from './decoded-batch.ts';
import type { PromSample, PromType } from './prom-samples.ts';
import { samplesToPoints, wantsSample } from './prom-samples.ts';
import { LineScanner, parseSampleValue, parseTimestamp, TextFormatError } from './prom-text-line.ts';

export type TextFormat = 'prometheus' | 'openmetrics';

export interface TextParseOptions {
  readonly format: TextFormat;
  /** Time given to samples without a timestamp: the scrape's time. */
  readonly defaultTimeMs: number;
  /** Prefilter: lines of unwanted metrics are counted and not parsed past their name. */
  readonly wantsMetric?: (name: string) => boolean;
}

/** The format a scrape response's `Content-Type` names; the 0.0.4 text format is the fallback. */
export function textFormatOf(contentType: string | undefined | null): TextFormat {
  return (contentType ?? '').trim().toLowerCase().startsWith('application/openmetrics-text')
    ? 'openmetrics'
    : 'prometheus';
}

const PROMETHEUS_TYPES: Readonly<Record<string, PromType>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  untyped: 'unknown',
};
const OPENMETRICS_TYPES: Readonly<Record<string, PromType>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  info: 'info',
  stateset: 'stateset',
  unknown: 'unknown',
};

/** Sample-name suffixes each OpenMetrics type allows, '' being the family name itself. */
const OPENMETRICS_SUFFIXES: Readonly<Record<PromType, readonly string[]>> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
  info: ['_info'],
  stateset: [''],
  unknown: [''],
};

interface ParseState {
  readonly options: TextParseOptions;
  readonly om: boolean;
  readonly types: Map<string, PromType>;
  /** Families whose samples were seen, to refuse a TYPE after them and interleaved families. */
  readonly seen: Set<string>;
  current: string | undefined;
  readonly samples: PromSample[];
  readonly out: BatchBuilder;
}

/**
 * Parses a scrape body in the Prometheus text format 0.0.4 or OpenMetrics 1.0 into points.
 * Throws TextFormatError (a DecodeError) naming the first bad line; a scrape is all or nothing.
 */
export function parsePromText(text: string, options: TextParseOptions): DecodedBatch {
  const om = options.format === 'openmetrics';
  const state: ParseState = {
    options,
    om,
    types: new Map(),
    seen: new Set(),
    current: undefined,
    samples: [],
    out: new BatchBuilder(),
  };
  const lines = text.split('\n');
  // A final newline leaves one empty string behind; it is not a line of its own.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let eof = false;
  for (let i = 0; i < lines.length; i++) {
    const number = i + 1;
    const raw = lines[i] as string;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (eof) throw new TextFormatError(number, 'nothing may follow "# EOF"');
    if (line.trim() === '') continue; // blank lines are skipped in both formats, as Prometheus does
    if (line.startsWith('#')) {
      eof = comment(new LineScanner(line, number, om), state);
      continue;
    }
    sample(new LineScanner(line, number, om), state);
  }
  if (om && !eof) throw new TextFormatError(lines.length + 1, 'OpenMetrics text must end with "# EOF"');
  samplesToPoints(state.samples, state.types, state.out);
  return state.out.build();
}

/** Returns true for `# EOF`. */
function comment(s: LineScanner, state: ParseState): boolean {
  s.pos = 1;
  const spaced = s.spaces();
  const keyword = s.bareName();
  if (state.om && s.text === '# EOF') return true;
  const isMetadata = spaced && (keyword === 'HELP' || keyword === 'TYPE' || (state.om && keyword === 'UNIT'));
  if (!isMetadata || !s.spaces()) {
    if (state.om)
      s.fail('OpenMetrics allows only "# HELP", "# TYPE", "# UNIT" and "# EOF" lines to start with #');
    return false; // any other # line is a comment in the 0.0.4 format
  }
  const family = s.name('a metric name');
  if (keyword === 'HELP') {
    if (!s.atEnd() && !s.spaces()) s.fail(`expected a space after the metric name, found ${s.describe()}`);
    helpText(s);
    return false;
  }
  if (!s.spaces())
    s.fail(`expected a space and the ${keyword === 'TYPE' ? 'type' : 'unit'} after the metric name`);
  const word = s.token();
  s.spaces();
  if (!s.atEnd()) s.fail(`unexpected ${s.describe()} after "${word}"`);
  if (keyword === 'UNIT') {
    if (word !== '' && !family.endsWith(`_${word}`))
      s.fail(`metric name "${family}" must end with its unit "_${word}"`);
    return false;
  }
  const table = state.om ? OPENMETRICS_TYPES : PROMETHEUS_TYPES;
  const type = table[word];
  if (type === undefined)
    s.fail(`unknown metric type "${word}"; expected one of ${Object.keys(table).join(', ')}`);
  if (state.types.has(family)) s.fail(`second TYPE line for "${family}"`);
  if (state.seen.has(family)) s.fail(`TYPE line for "${family}" comes after its samples`);
  state.types.set(family, type);
  return false;
}

/** Checks HELP escapes (`\\`, `\n`, and `\"` in OpenMetrics); the text itself is not kept. */
function helpText(s: LineScanner): void {
  const text = s.rest();
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') continue;
    const next = text[i + 1];
    const valid = next === '\\' || next === 'n' || (s.openMetrics && next === '"');
    if (!valid && s.openMetrics) s.fail(`invalid escape "\\${next ?? ''}" in HELP text`);
    i++;
  }
}

function familyOf(name: string, state: ParseState): [family: string, type: PromType | undefined] {
  const direct = state.types.get(name);
  if (direct !== undefined) return [name, direct];
  for (const suffix of ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info']) {
    if (!name.endsWith(suffix)) continue;
    const family = name.slice(0, -suffix.length);
    const type = state.types.get(family);
    if (type !== undefined) return [family, type];
  }
  return [name, undefined];
}

function sample(s: LineScanner, state: ParseState): void {
  let name = s.peek() === '{' ? '' : s.bareName();
  if (name === '' && s.peek() !== '{') s.fail(`expected a metric name, found ${s.describe()}`);
  const braces = s.peek() === '{';
  // The metric name of a quoted UTF-8 series comes first inside the braces.
  let quotedName: string | undefined;
  if (braces && name === '') {
    const save = s.pos;
    s.pos++;
    s.spaces();
    if (s.peek() === '"') {
      const candidate = s.quoted('the metric name');
      s.spaces();
      if (s.peek() === ',' || s.peek() === '}') quotedName = candidate;
    }
    s.pos = save;
    if (quotedName === undefined) s.fail('a series in braces must start with its quoted metric name');
    name = quotedName;
  }

  const [family, type] = familyOf(name, state);
  if (state.om) checkOpenMetricsFamily(s, state, name, family, type);
  state.seen.add(family);
  if (!wantsSample(name, state.options.wantsMetric)) {
    state.out.drop('unwanted-metric');
    return;
  }

  const labels = braces ? labelSet(s, quotedName !== undefined) : {};
  if (!s.spaces()) s.fail(`expected a space and the value after the series, found ${s.describe()}`);
  const valueToken = s.token();
  const value = parseSampleValue(valueToken);
  if (value === undefined) s.fail(`"${valueToken}" is not a number; expected a float, NaN, +Inf or -Inf`);
  let timeMs = state.options.defaultTimeMs;
  s.spaces();
  if (!s.atEnd() && s.peek() !== '#') {
    const tsToken = s.token();
    const ts = parseTimestamp(tsToken, state.om);
    if (ts === undefined) {
      s.fail(
        state.om
          ? `"${tsToken}" is not a timestamp; OpenMetrics timestamps are seconds, like 1700000000.123`
          : `"${tsToken}" is not a timestamp; the 0.0.4 format takes integer milliseconds`,
      );
    }
    timeMs = ts;
    s.spaces();
  }
  if (!s.atEnd()) {
    if (s.peek() !== '#') s.fail(`unexpected ${s.describe()} after the value`);
    if (!state.om) s.fail('exemplars ("# {…}") are only allowed in OpenMetrics');
    exemplar(s);
  }
  // `_created` says when a counter started; it is no sample of the metric.
  if (state.om && name.endsWith('_created') && family !== name) return;
  state.samples.push({ name, labels, value, timeMs });
}

function checkOpenMetricsFamily(
  s: LineScanner,
  state: ParseState,
  name: string,
  family: string,
  type: PromType | undefined,
): void {
  if (family !== state.current) {
    if (state.seen.has(family))
      s.fail(`samples of "${family}" must be together, not interleaved with other metrics`);
    state.current = family;
  }
  if (type === undefined) return;
  const suffix = name.slice(family.length);
  if (!OPENMETRICS_SUFFIXES[type].includes(suffix)) {
    s.fail(`"${name}" is not a sample name a ${type} "${family}" may have`);
  }
}

function labelSet(s: LineScanner, skipQuotedName: boolean): Record<string, string> {
  const labels: Record<string, string> = {};
  s.expect('{', '"{"');
  let first = true;
  for (;;) {
    s.spaces();
    if (s.peek() === '}') {
      s.pos++;
      return labels;
    }
    let labelName: string;
    if (s.peek() === '"') {
      const quoted = s.quoted('a quoted name');
      s.spaces();
      if (first && skipQuotedName && s.peek() !== '=') {
        first = false;
        if (!separator(s)) return labels;
        continue;
      }
      labelName = quoted;
    } else {
      labelName = s.bareName();
      if (labelName === '') s.fail(`expected a label name, found ${s.describe()}`);
      s.spaces();
    }
    first = false;
    s.expect('=', `"=" after label "${labelName}"`);
    s.spaces();
    const value = s.quoted(`the value of label "${labelName}"`);
    if (labelName === '__name__')
      s.fail('__name__ may not be given as a label; write the metric name before "{"');
    if (Object.hasOwn(labels, labelName)) s.fail(`label "${labelName}" appears twice`);
    // An empty label value means the label is absent, in Prometheus' data model.
    if (value !== '') labels[labelName] = value;
    s.spaces();
    if (!separator(s)) return labels;
  }
}

/** After a label: "," (then more, or "}" in the 0.0.4 format) → true; "}" → false. */
function separator(s: LineScanner): boolean {
  if (s.peek() === '}') {
    s.pos++;
    return false;
  }
  s.expect(',', '"," or "}" after a label');
  s.spaces();
  if (s.peek() === '}' && s.openMetrics) s.fail('OpenMetrics does not allow a comma before "}"');
  return true;
}

/** ` # {labels} value [timestamp]`: checked for shape, then skipped. */
function exemplar(s: LineScanner): void {
  s.pos++;
  if (!s.spaces() || s.peek() !== '{') s.fail('an exemplar must look like "# {trace_id=\\"…\\"} 1.0"');
  labelSet(s, false);
  if (!s.spaces()) s.fail('expected the exemplar value after its labels');
  const token = s.token();
  if (parseSampleValue(token) === undefined) s.fail(`"${token}" is not an exemplar value`);
  s.spaces();
  if (!s.atEnd()) {
    const ts = s.token();
    if (parseTimestamp(ts, true) === undefined) s.fail(`"${ts}" is not an exemplar timestamp`);
    s.spaces();
  }
  if (!s.atEnd()) s.fail(`unexpected ${s.describe()} after the exemplar`);
}
