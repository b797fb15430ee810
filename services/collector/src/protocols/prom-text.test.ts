import { describe, expect, it } from 'vitest';
import type { PointValue } from './point.ts';
import { parsePromText, type TextFormat, textFormatOf } from './prom-text.ts';
import { TextFormatError } from './prom-text-line.ts';

const NOW = 1_700_000_000_000;
const parse = (format: TextFormat, text: string, wantsMetric?: (name: string) => boolean) =>
  parsePromText(
    text,
    wantsMetric ? { format, defaultTimeMs: NOW, wantsMetric } : { format, defaultTimeMs: NOW },
  );

const P = 'prometheus' as const;
const OM = 'openmetrics' as const;
const counter = (value: number): PointValue => ({
  kind: 'sum',
  value,
  monotonic: true,
  temporality: 'cumulative',
});
const gauge = (value: number): PointValue => ({ kind: 'gauge', value });

type Row = [name: string, attributes: Record<string, string>, timeMs: number, value: PointValue];

describe('textFormatOf', () => {
  it.each([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', OM],
    ['text/plain; version=0.0.4; charset=utf-8', P],
    [undefined, P],
  ] as const)('%j → %s', (header, format) => {
    expect(textFormatOf(header)).toBe(format);
  });
});

describe('Prometheus text 0.0.4 and OpenMetrics 1.0: valid input', () => {
  it.each<[string, TextFormat, string, Row[], Record<string, number>?]>([
    [
      'a counter with HELP and TYPE, one sample with a millisecond timestamp',
      P,
      '# HELP http_requests_total The total.\n# TYPE http_requests_total counter\nhttp_requests_total{method="post",code="200"} 1027 1395066363000\n',
      [['http_requests_total', { method: 'post', code: '200' }, 1395066363000, counter(1027)]],
    ],
    [
      'untyped samples, comments and blank lines, no final newline',
      P,
      '# a comment\n\nmetric_without_labels 12.47\n   \n# another\nmetric_with_empty_braces{} -3e2',
      [
        ['metric_without_labels', {}, NOW, gauge(12.47)],
        ['metric_with_empty_braces', {}, NOW, gauge(-300)],
      ],
    ],
    [
      'label value escapes and CRLF line ends',
      P,
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9\r\n',
      [
        [
          'msdos_file_access_time_seconds',
          { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' },
          NOW,
          gauge(1.458255915e9),
        ],
      ],
    ],
    [
      'an unknown escape kept as written in 0.0.4',
      P,
      'm{a="x\\ty"} 1\n',
      [['m', { a: 'x\\ty' }, NOW, gauge(1)]],
    ],
    [
      'a trailing comma, tabs and an empty label value (dropped)',
      P,
      'm{a="1",\tb="",} \t 5\n',
      [['m', { a: '1' }, NOW, gauge(5)]],
    ],
    [
      'HELP with escapes and a quoted UTF-8 name in TYPE',
      P,
      '# HELP x line one\\nback\\\\slash\n# TYPE "my.gauge" gauge\n{"my.gauge", "service.name"="api"} 3\n',
      [['my.gauge', { 'service.name': 'api' }, NOW, gauge(3)]],
    ],
    [
      'a histogram reassembled from its buckets, sum and count',
      P,
      [
        '# TYPE rpc_seconds histogram',
        'rpc_seconds_bucket{le="0.05"} 24054',
        'rpc_seconds_bucket{le="0.1"} 33444',
        'rpc_seconds_bucket{le="+Inf"} 144320',
        'rpc_seconds_sum 53423',
        'rpc_seconds_count 144320',
      ].join('\n'),
      [
        [
          'rpc_seconds',
          {},
          NOW,
          {
            kind: 'histogram',
            temporality: 'cumulative',
            bounds: [0.05, 0.1],
            counts: [24054, 9390, 110876],
            count: 144320,
            sum: 53423,
          },
        ],
      ],
    ],
    [
      'a summary',
      P,
      '# TYPE rpc summary\nrpc{quantile="0.5"} 4773\nrpc{quantile="0.99"} 76656\nrpc_sum 1.7560473e+07\nrpc_count 2693\n',
      [
        [
          'rpc',
          {},
          NOW,
          {
            kind: 'summary',
            count: 2693,
            sum: 1.7560473e7,
            quantiles: [
              { quantile: 0.5, value: 4773 },
              { quantile: 0.99, value: 76656 },
            ],
          },
        ],
      ],
    ],
    [
      'NaN, +Inf and -Inf gauges, dropped and counted',
      P,
      'a NaN\nb +Inf\nc -Inf\nd Inf\n',
      [],
      { 'non-finite-value': 4 },
    ],
    [
      'an OpenMetrics counter: _total kept, _created skipped, timestamps in seconds',
      OM,
      '# TYPE req counter\n# UNIT req_seconds seconds\n# HELP req A \\"quoted\\" help.\nreq_total{a="1"} 5 1700000000.123\nreq_created{a="1"} 1699990000.5\n# EOF\n',
      [['req_total', { a: '1' }, 1700000000123, counter(5)]],
    ],
    [
      'an OpenMetrics exemplar skipped',
      OM,
      '# TYPE h histogram\nh_bucket{le="1"} 1 # {trace_id="KOO5S4vxi0o"} 0.67\nh_bucket{le="+Inf"} 2 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789\nh_count 2\nh_sum 10.47\n# EOF',
      [
        [
          'h',
          {},
          NOW,
          { kind: 'histogram', temporality: 'cumulative', bounds: [1], counts: [1, 1], count: 2, sum: 10.47 },
        ],
      ],
    ],
    [
      'OpenMetrics quoted UTF-8 metric and label names',
      OM,
      '# TYPE "my.metric" gauge\n{"my.metric", "label.name"="v"} 1\n# EOF\n',
      [['my.metric', { 'label.name': 'v' }, NOW, gauge(1)]],
    ],
    [
      'OpenMetrics info and stateset as gauges',
      OM,
      '# TYPE build info\nbuild_info{version="1.2"} 1\n# TYPE state stateset\nstate{state="a"} 1\nstate{state="b"} 0\n# EOF\n',
      [
        ['build_info', { version: '1.2' }, NOW, gauge(1)],
        ['state', { state: 'a' }, NOW, gauge(1)],
        ['state', { state: 'b' }, NOW, gauge(0)],
      ],
    ],
    [
      'an OpenMetrics gauge histogram, rejected',
      OM,
      '# TYPE q gaugehistogram\nq_bucket{le="+Inf"} 3\nq_gcount 3\nq_gsum 1\n# EOF\n',
      [],
    ],
    ['an empty 0.0.4 body', P, '', []],
    ['an OpenMetrics body with only # EOF', OM, '# EOF\n', []],
  ])('%s', (_name, format, text, rows, dropped = {}) => {
    const batch = parse(format, text);
    expect(batch.points.map((p) => [p.name, p.attributes, p.timeMs, p.value])).toEqual(rows);
    expect(batch.dropped).toEqual(dropped);
  });

  it('counts lines of unwanted metrics without parsing them further', () => {
    const batch = parse(P, 'a 1\nb{x="1"} 2\nc_bucket{le="+Inf"} 1\n', (name) => name === 'c');
    expect(batch.points.map((p) => p.name)).toEqual(['c']);
    expect(batch.dropped).toEqual({ 'unwanted-metric': 2 });
  });

  it('says why a gauge histogram was refused', () => {
    const batch = parse(OM, '# TYPE q gaugehistogram\nq_bucket{le="+Inf"} 3\nq_gcount 3\n# EOF\n');
    expect(batch.rejected.map((r) => r.reason)).toEqual(['gauge histograms are not supported']);
  });
});

describe('Prometheus text 0.0.4 and OpenMetrics 1.0: invalid input', () => {
  it.each<[string, TextFormat, string, number, string]>([
    ['a value that is not a number', P, 'm 12a\n', 1, '"12a" is not a number'],
    ['a missing value', P, '# TYPE m gauge\nm\n', 2, 'expected a space and the value after the series'],
    ['a fractional 0.0.4 timestamp', P, 'm 1 1.5\n', 1, 'the 0.0.4 format takes integer milliseconds'],
    ['a bad OpenMetrics timestamp', OM, 'm 1 soon\n# EOF\n', 1, 'OpenMetrics timestamps are seconds'],
    ['something after the timestamp', P, 'm 1 2 3\n', 1, 'unexpected "3" after the value'],
    ['a duplicate label', P, 'm{a="1",a="2"} 1\n', 1, 'label "a" appears twice'],
    ['__name__ as a label', P, 'm{__name__="x"} 1\n', 1, '__name__ may not be given as a label'],
    ['an unterminated label value', P, 'm{a="1} 1\n', 1, 'the value of label "a" has no closing quote'],
    ['a label without =', P, 'm{a} 1\n', 1, 'expected "=" after label "a"'],
    ['a label value without quotes', P, 'm{a=1} 1\n', 1, 'expected the value of label "a" in double quotes'],
    ['a missing comma', P, 'm{a="1" b="2"} 1\n', 1, 'expected "," or "}" after a label'],
    ['a name starting with a digit', P, '1m 1\n', 1, 'expected a metric name'],
    ['braces without a quoted name', P, '{a="b"} 1\n', 1, 'must start with its quoted metric name'],
    ['an unknown type', P, '# TYPE m countr\n', 1, 'unknown metric type "countr"'],
    ['an OpenMetrics type in 0.0.4', P, '# TYPE m stateset\n', 1, 'unknown metric type "stateset"'],
    ['a second TYPE line', P, '# TYPE m gauge\n# TYPE m counter\n', 2, 'second TYPE line for "m"'],
    ['a TYPE after the samples', P, 'm 1\n# TYPE m gauge\n', 2, 'TYPE line for "m" comes after its samples'],
    [
      'an exemplar in 0.0.4',
      P,
      'm 1 # {a="b"} 1\n',
      1,
      'exemplars ("# {…}") are only allowed in OpenMetrics',
    ],
    ['a malformed exemplar', OM, 'm 1 # trace\n# EOF\n', 1, 'an exemplar must look like'],
    ['OpenMetrics without # EOF', OM, '# TYPE m gauge\nm 1\n', 3, 'OpenMetrics text must end with "# EOF"'],
    ['a line after # EOF', OM, '# EOF\nm 1\n', 2, 'nothing may follow "# EOF"'],
    ['an OpenMetrics comment', OM, '# just a comment\n# EOF\n', 1, 'OpenMetrics allows only'],
    [
      'an invalid escape in OpenMetrics',
      OM,
      'm{a="\\x"} 1\n# EOF\n',
      1,
      'invalid escape "\\x" in the value of label "a"',
    ],
    [
      'an invalid HELP escape in OpenMetrics',
      OM,
      '# HELP m bad \\t\n# EOF\n',
      1,
      'invalid escape "\\t" in HELP text',
    ],
    [
      'a trailing comma in OpenMetrics',
      OM,
      'm{a="1",} 1\n# EOF\n',
      1,
      'OpenMetrics does not allow a comma before "}"',
    ],
    [
      'a counter sample without _total',
      OM,
      '# TYPE c counter\nc 1\n# EOF\n',
      2,
      '"c" is not a sample name a counter "c" may have',
    ],
    ['interleaved families', OM, 'a 1\nb 1\na 2\n# EOF\n', 3, 'samples of "a" must be together'],
    [
      'a unit the name does not end with',
      OM,
      '# UNIT m seconds\n# EOF\n',
      1,
      'metric name "m" must end with its unit "_seconds"',
    ],
    ['a TYPE without its type', P, '# TYPE m\n', 1, 'expected a space and the type after the metric name'],
  ])('%s', (_name, format, text, line, gist) => {
    const error = (() => {
      try {
        parse(format, text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TextFormatError);
    expect((error as TextFormatError).line).toBe(line);
    expect((error as TextFormatError).message).toContain(gist);
    expect((error as TextFormatError).message.startsWith(`line ${line}: `)).toBe(true);
  });
});
