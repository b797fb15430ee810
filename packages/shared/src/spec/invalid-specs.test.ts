import { describe, expect, it } from 'vitest';
import { parseSpec, validateSpec } from './parse.ts';
import { type Json, minimalSpec } from './test-fixtures.ts';

type Spec = ReturnType<typeof minimalSpec>;
// biome-ignore lint/suspicious/noExplicitAny: the cases edit a JSON tree in place, anywhere
type Draft = { [key: string]: any };

function broken(edit: (spec: Draft) => void): Spec {
  const spec = minimalSpec();
  edit(spec as Draft);
  return spec;
}

// Each case breaks a valid spec in one place; the problem must name that place and say what
// would be right. `gist` is a fragment of the message a user needs to read.
const cases: [string, Spec, string, RegExp][] = [
  ['wrong apiVersion', broken((s) => (s.apiVersion = 'v1')), 'apiVersion', /rollout-guard\/v1/],
  ['wrong kind', broken((s) => (s.kind = 'Deployment')), 'kind', /kind: Rollout/],
  ['rollout mode misspelt', broken((s) => (s.spec.mode = 'dry-run')), 'spec.mode', /enforce or shadow/],
  [
    'check mode misspelt',
    broken((s) => (s.spec.guardrails[0].mode = 'observe')),
    'spec.guardrails[0].mode',
    /enforce or shadow/,
  ],
  ['uppercase name', broken((s) => (s.metadata.name = 'Checkout')), 'metadata.name', /lowercase/],
  [
    'name with underscore',
    broken((s) => (s.metadata.name = 'check_out')),
    'metadata.name',
    /lowercase letters, digits and "-"/,
  ],
  [
    'label value a number',
    broken((s) => (s.metadata.labels = { tier: 1 })),
    'metadata.labels.tier',
    /string/,
  ],
  ['flag missing', broken((s) => delete s.spec.flag), 'spec.flag', /missing; expected the feature flag key/],
  [
    'match value a number',
    broken((s) => (s.spec.match = { 'http.status': 200 })),
    'spec.match["http.status"]',
    /quote/,
  ],
  [
    'treatment equals control',
    broken((s) => (s.spec.cohorts = { treatment: 'on', control: 'on' })),
    'spec.cohorts.control',
    /different from the treatment/,
  ],
  [
    'baseline window not a duration',
    broken((s) => (s.spec.baseline.window = '1 hour')),
    'spec.baseline.window',
    /duration like "500ms"/,
  ],
  ['no waves', broken((s) => (s.spec.waves = [])), 'spec.waves', /at least one wave/],
  [
    'flagsmith variant with a value the API cannot write',
    broken(
      (s) =>
        (s.spec.actions = {
          advance: [
            {
              format: 'flagsmith',
              token: 'env:FLAGSMITH_TOKEN',
              environment: 'ser.Env',
              variant: { optionId: 4711, value: 'v2' },
            },
          ],
        }),
    ),
    'spec.actions.advance[0].variant.value',
    /unknown field "value"/,
  ],
  [
    'wave percent 0',
    broken((s) => (s.spec.waves[0].percent = 0)),
    'spec.waves[0].percent',
    /greater than 0 and at most 100/,
  ],
  [
    'wave percent 150',
    broken((s) => (s.spec.waves[2].percent = 150)),
    'spec.waves[2].percent',
    /at most 100/,
  ],
  [
    'percents not increasing',
    broken((s) => (s.spec.waves[1].percent = 25)),
    'spec.waves[1].percent',
    /strictly increase/,
  ],
  [
    'last wave not 100',
    broken((s) => s.spec.waves.pop()),
    'spec.waves[1].percent',
    /last wave to be 100, not 50/,
  ],
  ['bake zero', broken((s) => (s.spec.waves[0].bake = '0s')), 'spec.waves[0].bake', /longer than zero/],
  ['bake in weeks', broken((s) => (s.spec.waves[0].bake = '2w')), 'spec.waves[0].bake', /"7d"/],
  [
    'minSamples fractional',
    broken((s) => (s.spec.waves[0].minSamples = 10.5)),
    'spec.waves[0].minSamples',
    /whole number/,
  ],
  [
    'maxBake shorter than bake',
    broken((s) => (s.spec.waves[0].maxBake = '30m')),
    'spec.waves[0].maxBake',
    /at least as long as the bake/,
  ],
  [
    'extend does not fit',
    broken((s) => (s.spec.waves[0].extend = '2h')),
    'spec.waves[0].extend',
    /fit at least once/,
  ],
  ['approval unknown', broken((s) => (s.spec.approval = 'yes')), 'spec.approval', /manual or auto/],
  ['confidence 1', broken((s) => (s.spec.confidence = 1)), 'spec.confidence', /less than 1, like 0.95/],
  [
    'confidence 95',
    broken((s) => (s.spec.confidence = 95)),
    'spec.confidence',
    /between 0 and 1|less than 1/,
  ],
  [
    'no checks at all',
    broken((s) => {
      s.spec.guardrails = [];
      s.spec.successCriteria = [];
    }),
    'spec',
    /at least one guardrail or success criterion/,
  ],
  [
    'duplicate check name',
    broken((s) => (s.spec.successCriteria[0].name = 'latency')),
    'spec.successCriteria[0].name',
    /"latency" is already used by spec.guardrails\[0\]/,
  ],
  [
    'misspelt field',
    broken((s) => (s.spec.guardrails[0].alowed = { max: 1 })),
    'spec.guardrails[0].alowed',
    /did you mean "allowed"/,
  ],
  [
    'allowed missing',
    broken((s) => delete s.spec.guardrails[0].allowed),
    'spec.guardrails[0].allowed',
    /missing; expected the range/,
  ],
  [
    'allowed empty',
    broken((s) => (s.spec.guardrails[0].allowed = {})),
    'spec.guardrails[0].allowed',
    /at least one bound/,
  ],
  [
    'limit unsigned percentage',
    broken((s) => (s.spec.successCriteria[0].allowed.max = '5%')),
    'spec.successCriteria[0].allowed.max',
    /a number or a percentage like "\+5%"/,
  ],
  [
    'limit a word',
    broken((s) => (s.spec.guardrails[0].allowed.max = 'two')),
    'spec.guardrails[0].allowed.max',
    /a number or a percentage like "\+5%"/,
  ],
  [
    'relative limit with absolute compare',
    broken((s) => (s.spec.guardrails[0].allowed.max = '+5%')),
    'spec.guardrails[0].allowed.max',
    /with compare: absolute write a number/,
  ],
  [
    'min above max',
    broken((s) => (s.spec.guardrails[0].allowed = { min: 3, max: 2 })),
    'spec.guardrails[0].allowed.min',
    /not to exceed max/,
  ],
  [
    'min above max in percent',
    broken((s) => (s.spec.successCriteria[0].allowed = { min: '+10%', max: '+5%' })),
    'spec.successCriteria[0].allowed.min',
    /not to exceed max/,
  ],
  [
    'allowedByWave key not a wave',
    broken((s) => (s.spec.guardrails[0].allowedByWave = { 30: { max: 3 } })),
    'spec.guardrails[0].allowedByWave.30',
    /wave percent of this rollout \(25, 50, 100\)/,
  ],
  [
    'allowedByWave relative with absolute',
    broken((s) => (s.spec.guardrails[0].allowedByWave = { 25: { max: '+5%' } })),
    'spec.guardrails[0].allowedByWave.25.max',
    /with compare: absolute/,
  ],
  [
    'allowedByWave contradicting a bound kept from allowed',
    broken((s) => {
      s.spec.guardrails[0].allowed = { min: 1, max: 2 };
      s.spec.guardrails[0].allowedByWave = { 50: { max: 0.5 } };
    }),
    'spec.guardrails[0].allowedByWave.50',
    /in the 50% wave min \(1\) exceeds max \(0.5\); min comes from allowed/,
  ],
  [
    'aggregate unknown',
    broken((s) => (s.spec.guardrails[0].aggregate = 'median')),
    'spec.guardrails[0].aggregate',
    /p50, p95, p99/,
  ],
  [
    'quantile out of range',
    broken((s) => {
      delete s.spec.guardrails[0].aggregate;
      s.spec.guardrails[0].quantile = 99;
    }),
    'spec.guardrails[0].quantile',
    /between 0 and 1|less than 1/,
  ],
  [
    'aggregate and quantile',
    broken((s) => (s.spec.guardrails[0].quantile = 0.9)),
    'spec.guardrails[0].quantile',
    /either aggregate or quantile/,
  ],
  [
    'aggregate on a ratio',
    broken((s) => (s.spec.successCriteria[0].aggregate = 'p99')),
    'spec.successCriteria[0].aggregate',
    /ratio is its own quantity/,
  ],
  [
    'ratio without denominator',
    broken((s) => delete s.spec.successCriteria[0].metric.ratio.denominator),
    'spec.successCriteria[0].metric.ratio.denominator',
    /missing; expected a metric name/,
  ],
  [
    'metric a number',
    broken((s) => (s.spec.guardrails[0].metric = 42)),
    'spec.guardrails[0].metric',
    /metric name, \{ ratio/,
  ],
  [
    'promql without address',
    broken((s) => (s.spec.guardrails[0].metric = { promql: 'up' })),
    'spec.guardrails[0].metric.url',
    /needs the address of a Prometheus/,
  ],
  [
    'promql interval bad',
    broken((s) => (s.spec.guardrails[0].metric = { promql: 'up', url: 'http://p:9090', interval: 'often' })),
    'spec.guardrails[0].metric.interval',
    /duration/,
  ],
  [
    'compare unknown',
    broken((s) => (s.spec.guardrails[0].compare = 'previous')),
    'spec.guardrails[0].compare',
    /absolute, baseline or control/,
  ],
  [
    'compare baseline without baseline',
    broken((s) => {
      s.spec.guardrails[0].compare = 'baseline';
      delete s.spec.baseline;
    }),
    'spec.guardrails[0].compare',
    /add spec.baseline/,
  ],
  [
    'window not wave nor duration',
    broken((s) => (s.spec.guardrails[0].window = 'hour')),
    'spec.guardrails[0].window',
    /"wave" or a duration/,
  ],
  [
    'consecutive 0',
    broken((s) => (s.spec.guardrails[0].consecutive = 0)),
    'spec.guardrails[0].consecutive',
    /1 or more/,
  ],
  [
    'onBreach unknown',
    broken((s) => (s.spec.guardrails[0].onBreach = 'page')),
    'spec.guardrails[0].onBreach',
    /rollback, pause or alert/,
  ],
  [
    'onBreach on a success criterion',
    broken((s) => (s.spec.successCriteria[0].onBreach = 'alert')),
    'spec.successCriteria[0].onBreach',
    /unknown field "onBreach"/,
  ],
  [
    'noData unknown',
    broken((s) => (s.spec.guardrails[0].noData = 'breach')),
    'spec.guardrails[0].noData',
    /ignore or alert/,
  ],
  [
    'target format unknown',
    broken((s) => (s.spec.actions.rollback[0].format = 'teams')),
    'spec.actions.rollback[0].format',
    /one of standard, slack/,
  ],
  [
    'target url not http',
    broken((s) => (s.spec.actions.rollback[0].url = 'ftp://x')),
    'spec.actions.rollback[0].url',
    /http\(s\) URL/,
  ],
  [
    'signing secret not whsec',
    broken((s) => (s.spec.actions.rollback[0].secret = 'hunter2')),
    'spec.actions.rollback[0].secret',
    /"whsec_"/,
  ],
  [
    'env reference malformed',
    broken((s) => (s.spec.actions.rollback[0].secret = 'env:1BAD')),
    'spec.actions.rollback[0].secret',
    /env:NAME/,
  ],
  [
    'unleash without project',
    broken(
      (s) =>
        (s.spec.actions.advance = [
          { format: 'unleash', url: 'https://u', token: 'env:T', environment: 'production' },
        ]),
    ),
    'spec.actions.advance[0].project',
    /missing; expected the Unleash project/,
  ],
  [
    'pagerduty without routing key',
    broken((s) => (s.spec.actions.alert = [{ format: 'pagerduty' }])),
    'spec.actions.alert[0].routingKey',
    /missing; expected a token/,
  ],
  [
    'token with a malformed env reference',
    broken(
      (s) =>
        (s.spec.actions.alert = [
          { format: 'launchdarkly', token: 'env:my-token', project: 'p', environment: 'e' },
        ]),
    ),
    'spec.actions.alert[0].token',
    /env:NAME/,
  ],
  ['unknown action', broken((s) => (s.spec.actions.page = [])), 'spec.actions.page', /unknown field "page"/],
  [
    'scrape not a list',
    broken((s) => (s.spec.scrape = 'http://api:9464/metrics')),
    'spec.scrape',
    /list of scrape targets/,
  ],
  [
    'scrape target without url',
    broken((s) => (s.spec.scrape = [{ interval: '15s' }])),
    'spec.scrape[0].url',
    /metrics endpoint/,
  ],
  [
    'scrape url not http',
    broken((s) => (s.spec.scrape = [{ url: 'ftp://api/metrics' }])),
    'spec.scrape[0].url',
    /http\(s\) URL of a metrics endpoint/,
  ],
  [
    'scrape interval not a duration',
    broken((s) => (s.spec.scrape = [{ url: 'http://api:9464/metrics', interval: 15 }])),
    'spec.scrape[0].interval',
    /duration like "500ms"/,
  ],
  [
    'scrape timeout as long as the interval',
    broken((s) => (s.spec.scrape = [{ url: 'http://api:9464/metrics', interval: '10s', timeout: '10s' }])),
    'spec.scrape[0].timeout',
    /shorter than the interval \(10s\)/,
  ],
  [
    'scrape timeout over the default interval',
    broken((s) => (s.spec.scrape = [{ url: 'http://api:9464/metrics', timeout: '20s' }])),
    'spec.scrape[0].timeout',
    /shorter than the interval \(15s, the default\)/,
  ],
  [
    'scrape format unknown',
    broken((s) => (s.spec.scrape = [{ url: 'http://api:9464/metrics', format: 'json' }])),
    'spec.scrape[0].format',
    /auto, prometheus or openmetrics/,
  ],
  [
    'scrape header value a malformed env reference',
    broken(
      (s) =>
        (s.spec.scrape = [{ url: 'http://api:9464/metrics', headers: { Authorization: 'env:my-token' } }]),
    ),
    'spec.scrape[0].headers.Authorization',
    /env:NAME/,
  ],
  [
    'scrape target with an unknown field',
    broken((s) => (s.spec.scrape = [{ url: 'http://api:9464/metrics', scrape_interval: '15s' }])),
    'spec.scrape[0].scrape_interval',
    /unknown field/,
  ],
];

describe('invalid specs', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s', (_, spec, path, gist) => {
    const result = validateSpec(spec as Json);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const atPath = result.problems.filter((problem) => problem.path === path);
    expect(atPath, JSON.stringify(result.problems, null, 2)).not.toHaveLength(0);
    expect(atPath.map((problem) => problem.message).join('\n')).toMatch(gist);
  });
});

describe('invalid YAML specs carry line and column', () => {
  const head = 'apiVersion: rollout-guard/v1\nkind: Rollout\nmetadata: { name: checkout }\n';

  it.each([
    [
      'a limit that is not a number',
      `${head}spec:\n  flag: f\n  guardrails:\n    - name: a\n      metric: m\n      allowed: { max: lots }\n`,
      { path: 'spec.guardrails[0].allowed.max', line: 9, column: 23 },
    ],
    [
      'a misspelt field, at the key',
      `${head}spec:\n  flag: f\n  guardrails:\n    - name: a\n      metric: m\n      alowed: { max: 1 }\n      allowed: { max: 1 }\n`,
      { path: 'spec.guardrails[0].alowed', line: 9, column: 7 },
    ],
    [
      'a wave out of order',
      `${head}spec:\n  flag: f\n  waves:\n    - percent: 50\n    - percent: 25\n    - percent: 100\n  guardrails: [{ name: a, metric: m, allowed: { max: 1 } }]\n`,
      { path: 'spec.waves[1].percent', line: 8, column: 16 },
    ],
    [
      'a missing field, at its parent',
      `${head}spec:\n  guardrails: [{ name: a, metric: m, allowed: { max: 1 } }]\n`,
      { path: 'spec.flag', line: 5, column: 3 },
    ],
    [
      'a YAML syntax error',
      `${head}spec:\n  flag: [unclosed\n  guardrails: []\n`,
      { path: '', line: 6, column: 3 },
    ],
    [
      'an allowedByWave percent that is no wave, at the key',
      `${head}spec:\n  flag: f\n  guardrails:\n    - name: a\n      metric: m\n      allowed: { max: 1 }\n      allowedByWave:\n        30: { max: 2 }\n`,
      { path: 'spec.guardrails[0].allowedByWave.30', line: 11, column: 9 },
    ],
    ['two documents', `${head}spec: { flag: f }\n---\n${head}`, { path: '', line: 5, column: 1 }],
    ['a duplicate key', `${head}spec:\n  flag: f\n  flag: g\n`, { path: '', line: 6, column: 3 }],
  ])('%s', (_, text, expected) => {
    const result = parseSpec(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems, JSON.stringify(result.problems, null, 2)).toContainEqual(
      expect.objectContaining(expected),
    );
  });
});
