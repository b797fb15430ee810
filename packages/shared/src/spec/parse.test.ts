import { describe, expect, it, vi } from 'vitest';
import { Parser, stringify } from 'yaml';
import { formatProblems } from './format-problems.ts';
import { parseSpec, validateSpec } from './parse.ts';
import type { RolloutSpec } from './resolved.ts';
import type { SpecShapeLimits } from './spec-shape.ts';
import { EXAMPLE_NAMES, exampleText, minimalSpec } from './test-fixtures.ts';

function parsed(text: string, format?: 'yaml' | 'json'): RolloutSpec {
  const result = parseSpec(text, format ? { format } : {});
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.spec;
}

describe('the examples', () => {
  it.each(EXAMPLE_NAMES)('%s is a valid spec', (name) => {
    const result = parseSpec(exampleText(name));
    expect(result.ok ? [] : formatProblems(result.problems, `${name}.yaml`)).toEqual([]);
  });
});

describe('the PRODUCT.md spec, resolved', () => {
  const spec = parsed(exampleText('contact-center-copilot'));

  it('keeps what it says', () => {
    expect(spec.metadata).toEqual({ name: 'contact-center-copilot', labels: { team: 'support-platform' } });
    expect(spec.spec.flag).toBe('copilot-assist');
    expect(spec.spec.match).toEqual({ 'service.name': 'contact-center' });
    expect(spec.spec.baseline).toEqual({ window: { ms: 3_600_000, text: '1h' } });
    expect(spec.spec.approval).toBe('manual');
  });

  it('pages its owner with the rollout’s runbook, and the latency check with its own', () => {
    expect(spec.spec.owner).toBe('support-platform-oncall');
    expect(spec.spec.runbook).toBe('https://runbooks.internal/copilot');
    const latency = spec.spec.guardrails.find((g) => g.name === 'copilot-latency');
    expect(latency?.runbook).toBe('https://runbooks.internal/copilot#latency');
    expect(latency?.owner).toBe('support-platform-oncall');
  });

  it('gives each wave its defaults: minSamples 100, extend half the bake, maxBake twice it', () => {
    expect(spec.spec.waves).toEqual([
      {
        index: 0,
        percent: 25,
        bake: { ms: 7 * 86_400_000, text: '7d' },
        minSamples: 2000,
        extend: { ms: 3.5 * 86_400_000, text: '84h' },
        maxBake: { ms: 14 * 86_400_000, text: '14d' },
      },
      {
        index: 1,
        percent: 50,
        bake: { ms: 14 * 86_400_000, text: '14d' },
        minSamples: 100,
        extend: { ms: 7 * 86_400_000, text: '7d' },
        maxBake: { ms: 28 * 86_400_000, text: '28d' },
      },
      {
        index: 2,
        percent: 100,
        bake: { ms: 21 * 86_400_000, text: '21d' },
        minSamples: 100,
        extend: { ms: 10.5 * 86_400_000, text: '252h' },
        maxBake: { ms: 42 * 86_400_000, text: '42d' },
      },
    ]);
  });

  it('resolves every check field', () => {
    const [regression, compliance, latency] = spec.spec.guardrails;
    expect(regression).toEqual({
      kind: 'guardrail',
      name: 'handle-time-regression',
      metric: { kind: 'name', name: 'contact_handle_time_seconds' },
      aggregate: 'mean',
      compare: 'control',
      allowed: { max: { relativePercent: 5 } },
      allowedByWave: {},
      window: { ms: 3_600_000, text: '1h' },
      judge: 'interval',
      consecutive: 1,
      noData: 'ignore',
      confidence: 0.95,
      mode: 'enforce',
      onBreach: 'rollback',
      owner: 'support-platform-oncall',
      runbook: 'https://runbooks.internal/copilot',
      summary: '{{check}} on {{flag}}: {{value}} against {{limit}} in wave {{wave}} ({{percent}}%)',
    });
    expect(compliance).toMatchObject({
      metric: { kind: 'ratio', numerator: 'compliance_errors_total', denominator: 'contacts_total' },
      compare: 'absolute',
      allowed: { max: 0.03 },
      allowedByWave: { '25': { max: 0.04 } },
      window: 'wave',
    });
    expect(latency).toMatchObject({ aggregate: 'p99', quantile: 0.99, consecutive: 3, onBreach: 'rollback' });
    expect(spec.spec.successCriteria.map((c) => [c.name, c.kind, c.allowed])).toEqual([
      ['handle-time-improvement', 'successCriterion', { max: { relativePercent: -10 } }],
      ['csat', 'successCriterion', { min: -1 }],
      ['adoption', 'successCriterion', { min: 0.8 }],
    ]);
    expect(spec.spec.successCriteria[0]).not.toHaveProperty('onBreach');
  });

  it('resolves each target with its format, defaults and secrets', () => {
    expect(spec.spec.actions).toEqual({
      rollback: [
        {
          format: 'unleash',
          url: 'https://unleash.internal',
          token: { env: 'UNLEASH_TOKEN' },
          project: 'default',
          environment: 'production',
        },
        {
          format: 'standard',
          url: 'https://flags.internal/hooks/rollback',
          secret: { env: 'ROLLBACK_SECRET' },
          headers: {},
        },
      ],
      verdict: [{ format: 'slack', url: 'https://hooks.slack.com/services/T/B/X' }],
      advance: [
        {
          format: 'unleash',
          url: 'https://unleash.internal',
          token: { env: 'UNLEASH_TOKEN' },
          project: 'default',
          environment: 'production',
        },
      ],
      alert: [
        {
          format: 'pagerduty',
          routingKey: { env: 'PD_KEY' },
          url: 'https://events.pagerduty.com/v2/enqueue',
        },
      ],
    });
  });
});

describe('defaults of a spec that says little', () => {
  const spec = parsed(
    [
      'apiVersion: rollout-guard/v1',
      'kind: Rollout',
      'metadata: { name: tiny }',
      'spec:',
      '  flag: tiny',
      '  confidence: 0.9',
      '  guardrails: [{ name: errors, metric: errors_total, allowed: { max: 5 }, confidence: 0.99 }]',
      '  successCriteria: [{ name: latency, metric: latency_seconds, quantile: 0.975, allowed: { max: 1 } }]',
    ].join('\n'),
  );

  it('has waves 25, 50, 100 with a 1d bake', () => {
    expect(
      spec.spec.waves.map((wave) => [wave.percent, wave.bake.text, wave.extend.text, wave.maxBake.text]),
    ).toEqual([
      [25, '1d', '12h', '2d'],
      [50, '1d', '12h', '2d'],
      [100, '1d', '12h', '2d'],
    ]);
  });

  it('has the default cohorts, no match, no baseline, manual approval and no targets', () => {
    expect(spec.spec.cohorts).toEqual({
      attribute: 'feature_flag.result.variant',
      treatment: 'on',
      control: 'off',
    });
    expect(spec.spec.match).toEqual({});
    expect(spec.spec).not.toHaveProperty('baseline');
    expect(spec.spec.approval).toBe('manual');
    expect(spec.spec.actions).toEqual({ rollback: [], verdict: [], advance: [], alert: [] });
  });

  it('enforces, the rollout and every check, unless told to shadow', () => {
    expect(spec.spec.mode).toBe('enforce');
    expect([...spec.spec.guardrails, ...spec.spec.successCriteria].map((c) => c.mode)).toEqual([
      'enforce',
      'enforce',
    ]);
    const shadow = parsed(
      [
        'apiVersion: rollout-guard/v1',
        'kind: Rollout',
        'metadata: { name: tiny }',
        'spec:',
        '  flag: tiny',
        '  mode: shadow',
        '  guardrails: [{ name: errors, metric: errors_total, allowed: { max: 5 }, mode: shadow }]',
      ].join('\n'),
    );
    expect(shadow.spec.mode).toBe('shadow');
    expect(shadow.spec.guardrails[0]?.mode).toBe('shadow');
  });

  it("gives a check the spec's confidence unless it has its own", () => {
    expect(spec.spec.guardrails[0]?.confidence).toBe(0.99);
    expect(spec.spec.successCriteria[0]?.confidence).toBe(0.9);
  });

  it('writes quantile: 0.975 as aggregate p975', () => {
    expect(spec.spec.successCriteria[0]).toMatchObject({ aggregate: 'p975', quantile: 0.975 });
    expect(spec.spec.guardrails[0]).toMatchObject({ aggregate: 'mean' });
    expect(spec.spec.guardrails[0]).not.toHaveProperty('quantile');
  });
});

describe('extend under a tight maxBake', () => {
  it('shrinks the default extend so that one extension still fits', () => {
    const spec = minimalSpec() as { spec: { waves: { maxBake?: string }[] } };
    spec.spec.waves[0]!.maxBake = '80m';
    const result = validateSpec(spec);
    expect(result.ok && result.spec.spec.waves[0]?.extend).toEqual({ ms: 20 * 60_000, text: '20m' });
  });
});

describe('promql checks', () => {
  const spec = parsed(exampleText('promql-source'));

  it('take the address of spec.prometheus unless they name their own', () => {
    expect(spec.spec.guardrails.map((check) => check.metric)).toMatchObject([
      {
        kind: 'promql',
        cohortLabel: 'variant',
        interval: { ms: 30_000 },
        url: 'http://prometheus.monitoring:9090',
      },
      { kind: 'promql', interval: { ms: 60_000 }, url: 'http://prometheus.monitoring:9090' },
    ]);
    expect(spec.spec.successCriteria[0]?.metric).toMatchObject({
      url: 'http://thanos-query.monitoring:10902',
    });
  });

  it('read the cohort from the cohort attribute in label form by default, polled every 30s', () => {
    const text = exampleText('promql-source')
      .replace('        cohortLabel: variant\n        interval: 30s\n', '')
      .replace('  baseline:', '  cohorts: { attribute: app.variant }\n  baseline:');
    const metric = parsed(text).spec.guardrails[0]?.metric;
    expect(metric).toMatchObject({
      kind: 'promql',
      cohortLabel: 'app_variant',
      interval: { ms: 30_000, text: '30s' },
    });
  });
});

describe('formats', () => {
  const json = JSON.stringify(minimalSpec(), null, 2);

  it('reads JSON, by detection or when told', () => {
    expect(parsed(json).metadata.name).toBe('checkout');
    expect(parsed(json, 'json').metadata.name).toBe('checkout');
  });

  it('locates schema problems in JSON text too', () => {
    const text = json.replace('"p99"', '"p100"');
    const line = text.split('\n').findIndex((row) => row.includes('"p100"')) + 1;
    const column = text.split('\n')[line - 1]!.indexOf('"p100"') + 1;
    const result = parseSpec(text, { format: 'json' });
    expect(result).toMatchObject({
      ok: false,
      problems: [{ path: 'spec.guardrails[0].aggregate', line, column }],
    });
  });

  it('reports a JSON syntax error as one problem of the document', () => {
    const result = parseSpec('{ "apiVersion": "rollout-guard/v1", }', { format: 'json' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.path).toBe('');
    expect(result.problems[0]?.message).toMatch(/^JSON: /);
  });

  it('refuses YAML when told the text is JSON', () => {
    expect(parseSpec(exampleText('web-checkout'), { format: 'json' }).ok).toBe(false);
  });

  it('says what a document that is not a map should be', () => {
    expect(parseSpec('just words')).toMatchObject({
      ok: false,
      problems: [{ path: '', message: 'expected a map, not "just words"' }],
    });
    expect(parseSpec('')).toMatchObject({
      ok: false,
      problems: [{ path: '', message: expect.stringMatching(/missing|expected a map/) }],
    });
  });
});

describe('validateSpec', () => {
  it('accepts the minimal spec that the invalid cases break', () => {
    expect(validateSpec(minimalSpec()).ok).toBe(true);
  });

  // Without a text there are no positions to sort by: the field problems come first, then the
  // cross-field ones.
  it('lists every problem at once, field rules and cross-field rules alike', () => {
    const spec = minimalSpec() as {
      spec: { waves: { percent: number }[]; guardrails: { allowed: unknown }[] };
    };
    spec.spec.waves[2]!.percent = 40;
    spec.spec.guardrails[0]!.allowed = { max: 'lots' };
    const result = validateSpec(spec);
    expect(result.ok ? [] : result.problems.map((problem) => problem.message)).toEqual([
      'expected a number or a percentage like "+5%"',
      "expected a percent greater than the previous wave's 50; wave percents must strictly increase",
      'expected the last wave to be 100, not 40',
    ]);
  });
});

describe('a parse result', () => {
  // The collector parses large specs in a worker thread: what comes back is a structured clone.
  it.each(EXAMPLE_NAMES)('crosses a thread boundary unchanged: %s', (name) => {
    const result = parseSpec(exampleText(name));
    expect(structuredClone(result)).toStrictEqual(result);
  });

  it('crosses it unchanged with problems, lines and columns', () => {
    const result = parseSpec('apiVersion: rollout-guard/v1\nkind: Rollout\nspec: { waves: 3 }\n');
    expect(result.ok).toBe(false);
    expect(structuredClone(result)).toStrictEqual(result);
  });
});

describe('a spec of hostile size or shape', () => {
  /** The minimal spec with `count` unknown keys under `spec`, as YAML. */
  function withKeys(count: number): string {
    const spec = minimalSpec();
    const inner = spec.spec as Record<string, string>;
    for (let i = 0; i < count; i++) inner[`extra${i}`] = `value ${i}`;
    return stringify(spec);
  }

  function fastest(text: string, limits: SpecShapeLimits): number {
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 2; run++) {
      const started = performance.now();
      parseSpec(text, { limits });
      best = Math.min(best, performance.now() - started);
    }
    return best;
  }

  it('is validated in time linear in its keys, every one reported', () => {
    const limits = { maxKeys: 100_000, maxDepth: 32 };
    const result = parseSpec(withKeys(4000), { limits });
    expect(result.ok ? 0 : result.problems.length).toBe(4000);
    // Sixteen times the keys: about 16 times the time when linear, 256 when quadratic (as it was).
    const ratio = fastest(withKeys(4000), limits) / fastest(withKeys(250), limits);
    expect(ratio).toBeLessThan(60);
  });

  it('is refused past the key limit, saying which limit and where', () => {
    const text = withKeys(6000);
    const result = parseSpec(text);
    // At the map that holds too many: `spec`, whose first key is `flag`.
    const line = text.split('\n').indexOf('  flag: new-checkout') + 1;
    expect(result.ok ? [] : result.problems).toEqual([
      {
        path: '',
        message: 'more than 5000 keys and list items (SPEC_MAX_KEYS); a rollout spec needs a few hundred',
        line,
        column: 3,
      },
    ]);
  });

  it('is refused past the depth limit, without exhausting the stack', () => {
    const text = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const result = parseSpec(text, { format: 'json' });
    expect(result.ok ? [] : result.problems).toEqual([
      {
        path: '',
        message: 'nested deeper than 32 levels (SPEC_MAX_DEPTH); a rollout spec needs about 7',
        line: 1,
        column: 33 * 5 + 1,
      },
    ]);
  });

  it('reads the text once: the tokens measured are the tokens composed', () => {
    const parse = vi.spyOn(Parser.prototype, 'parse');
    try {
      expect(parseSpec(exampleText('web-checkout')).ok).toBe(true);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('has each repeated key found where it repeats', () => {
    const text = 'apiVersion: rollout-guard/v1\nkind: Rollout\nkind: Rollout\n';
    const result = parseSpec(text);
    expect(result.ok ? [] : result.problems).toEqual([
      { path: '', message: 'YAML: Map keys must be unique; "kind" is repeated', line: 3, column: 1 },
    ]);
  });
});
