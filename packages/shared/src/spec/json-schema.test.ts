import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rolloutJsonSchemaText } from './json-schema.ts';
import { validateSpec } from './parse.ts';
import { EXAMPLE_NAMES, exampleText, minimalSpec } from './test-fixtures.ts';

const committedPath = fileURLToPath(new URL('../../rollout.schema.json', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: the cases edit a JSON tree in place, anywhere
type Draft = { [key: string]: any };

function broken(edit: (spec: Draft) => void): unknown {
  const spec = minimalSpec();
  edit(spec as Draft);
  return spec;
}

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(committedPath, 'utf8')));
}

describe('rollout.schema.json', () => {
  it('is what `pnpm gen:schema` writes from the zod schema (run it after changing the spec)', () => {
    expect(readFileSync(committedPath, 'utf8')).toBe(rolloutJsonSchemaText());
  });

  const validate = validator();

  it.each(EXAMPLE_NAMES)('accepts examples/%s.yaml', (name) => {
    const valid = validate(parse(exampleText(name)));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('accepts the minimal spec', () => {
    expect(validate(minimalSpec())).toBe(true);
  });

  it('accepts every target format and every optional field, as the zod schema does', () => {
    const spec = broken((s) => {
      s.metadata.labels = { team: 'payments' };
      s.spec.match = { 'service.name': 'checkout' };
      s.spec.cohorts = { attribute: 'variant', treatment: 'new', control: 'old' };
      s.spec.prometheus = { url: 'http://prometheus:9090' };
      s.spec.approval = 'auto';
      s.spec.confidence = 0.9;
      s.spec.waves[0] = { percent: 0.5, bake: '500ms', minSamples: 10, extend: '100ms', maxBake: '1s' };
      s.spec.guardrails.push({
        name: 'slow.p975',
        metric: { promql: 'up', cohortLabel: 'v', interval: '15s' },
        quantile: 0.975,
        compare: 'baseline',
        allowed: { min: '-5.5%', max: 3 },
        allowedByWave: { '0.5': { max: '+10%' } },
        window: '5m',
        consecutive: 2,
        onBreach: 'pause',
        noData: 'alert',
        minSamples: 20,
        confidence: 0.99,
      });
      s.spec.actions = {
        rollback: [
          {
            format: 'standard',
            url: 'http://hook',
            secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
            headers: { 'X-A': 'b' },
          },
          {
            format: 'unleash',
            url: 'https://u',
            token: '*:production.abc',
            project: 'default',
            environment: 'production',
          },
          {
            format: 'launchdarkly',
            token: 'api-123',
            project: 'p',
            environment: 'e',
            url: 'https://app.eu.launchdarkly.com',
          },
          {
            format: 'flagsmith',
            token: 'env:FLAGSMITH_TOKEN',
            environment: 'ser.abc',
            url: 'https://flags.internal/api/v1',
          },
        ],
        verdict: [{ format: 'slack', url: 'https://hooks.slack.com/services/T/B/X' }],
        advance: [],
        alert: [
          {
            format: 'pagerduty',
            routingKey: 'R0123456789ABCDEF0123456789ABCDE',
            url: 'https://events.eu.pagerduty.com/v2/enqueue',
          },
          { format: 'alertmanager', url: 'http://am:9093/hook', headers: { Authorization: 'Bearer x' } },
        ],
      };
    });
    expect(validateSpec(spec)).toMatchObject({ ok: true });
    validate(spec);
    expect(validate.errors ?? []).toEqual([]);
  });

  // The rules JSON Schema can express: types, required fields, enums, patterns, ranges, unknown
  // fields. Cross-field rules (increasing waves, unique names…) are left to the zod schema.
  it.each([
    ['wrong apiVersion', broken((s) => (s.apiVersion = 'v1'))],
    ['name with uppercase', broken((s) => (s.metadata.name = 'Checkout'))],
    ['flag missing', broken((s) => delete s.spec.flag)],
    ['wave percent 0', broken((s) => (s.spec.waves[0].percent = 0))],
    ['wave percent above 100', broken((s) => (s.spec.waves[2].percent = 101))],
    ['bake not a duration', broken((s) => (s.spec.waves[0].bake = '2 weeks'))],
    ['minSamples fractional', broken((s) => (s.spec.waves[0].minSamples = 1.5))],
    ['approval unknown', broken((s) => (s.spec.approval = 'yes'))],
    ['confidence 1', broken((s) => (s.spec.confidence = 1))],
    ['aggregate unknown', broken((s) => (s.spec.guardrails[0].aggregate = 'median'))],
    ['aggregate p100', broken((s) => (s.spec.guardrails[0].aggregate = 'p100'))],
    ['quantile 1', broken((s) => (s.spec.guardrails[0].quantile = 1))],
    ['compare unknown', broken((s) => (s.spec.guardrails[0].compare = 'previous'))],
    ['limit unsigned percentage', broken((s) => (s.spec.guardrails[0].allowed.max = '5%'))],
    ['allowed empty', broken((s) => (s.spec.guardrails[0].allowed = {}))],
    ['window a word', broken((s) => (s.spec.guardrails[0].window = 'hour'))],
    ['consecutive 0', broken((s) => (s.spec.guardrails[0].consecutive = 0))],
    ['onBreach unknown', broken((s) => (s.spec.guardrails[0].onBreach = 'page'))],
    ['onBreach on a success criterion', broken((s) => (s.spec.successCriteria[0].onBreach = 'alert'))],
    ['misspelt field', broken((s) => (s.spec.guardrails[0].alowed = { max: 1 }))],
    ['metric a number', broken((s) => (s.spec.guardrails[0].metric = 42))],
    ['ratio without denominator', broken((s) => delete s.spec.successCriteria[0].metric.ratio.denominator)],
    [
      'allowedByWave key not a number',
      broken((s) => (s.spec.guardrails[0].allowedByWave = { first: { max: 1 } })),
    ],
    ['target format unknown', broken((s) => (s.spec.actions.rollback[0].format = 'teams'))],
    ['signing secret not whsec', broken((s) => (s.spec.actions.rollback[0].secret = 'hunter2'))],
    ['malformed env reference', broken((s) => (s.spec.actions.rollback[0].secret = 'env:1BAD'))],
    [
      'unleash without project',
      broken(
        (s) =>
          (s.spec.actions.advance = [{ format: 'unleash', url: 'https://u', token: 't', environment: 'p' }]),
      ),
    ],
    ['pagerduty without routing key', broken((s) => (s.spec.actions.alert = [{ format: 'pagerduty' }]))],
    [
      'token malformed env reference',
      broken((s) => (s.spec.actions.alert = [{ format: 'flagsmith', token: 'env:a-b', environment: 'e' }])),
    ],
    ['unknown action', broken((s) => (s.spec.actions.page = []))],
  ])('refuses a spec with %s, as the zod schema does', (_, spec) => {
    expect(validate(spec)).toBe(false);
    expect(validateSpec(spec).ok).toBe(false);
  });
});
