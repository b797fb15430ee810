import { initialState } from '@rollout-guard/shared/decision';
import { durationOf, parseSpec, type ScrapeTarget } from '@rollout-guard/shared/spec';
import { type ActiveRollout, activeView } from '@rollout-guard/shared/store';
import { describe, expect, it } from 'vitest';
import { CONFIG_SOURCE, planTargets, targetKey, targetLabel } from './scrape-targets.ts';

const target = (url: string, intervalMs = 15_000, extra: Partial<ScrapeTarget> = {}): ScrapeTarget => ({
  url,
  interval: durationOf(intervalMs),
  timeout: durationOf(Math.min(10_000, intervalMs / 2)),
  headers: {},
  format: 'auto',
  ...extra,
});

describe('targetKey', () => {
  it.each<[string, ScrapeTarget, ScrapeTarget, boolean]>([
    ['same url', target('http://a/metrics'), target('http://a/metrics', 60_000), true],
    ['other url', target('http://a/metrics'), target('http://b/metrics'), false],
    [
      'other format',
      target('http://a/metrics'),
      target('http://a/metrics', 15_000, { format: 'openmetrics' }),
      false,
    ],
    [
      'headers in another order',
      target('http://a/metrics', 15_000, { headers: { A: { value: '1' }, B: { env: 'X' } } }),
      target('http://a/metrics', 15_000, { headers: { B: { env: 'X' }, A: { value: '1' } } }),
      true,
    ],
    [
      'other header value',
      target('http://a/metrics', 15_000, { headers: { A: { value: '1' } } }),
      target('http://a/metrics', 15_000, { headers: { A: { value: '2' } } }),
      false,
    ],
  ])('%s → same scrape: %s', (_, a, b, same) => {
    expect(targetKey(a) === targetKey(b)).toBe(same);
  });
});

describe('targetLabel', () => {
  it.each([
    ['http://user:secret@api:9464/metrics', 'http://api:9464/metrics'],
    ['https://api/metrics?job=x', 'https://api/metrics?job=x'],
  ])('%s → %s', (url, label) => {
    expect(targetLabel(url)).toBe(label);
  });
});

describe('planTargets', () => {
  it('merges the file and the rollouts, one entry per scrape at the shortest interval', () => {
    const plan = planTargets(
      [
        { name: 'checkout', scrape: [target('http://a/metrics', 30_000), target('http://b/metrics')] },
        { name: 'search', scrape: [target('http://a/metrics', 5_000)] },
        { name: 'no-scrape' },
      ],
      [target('http://a/metrics', 60_000)],
    );
    const byUrl = Object.fromEntries(
      [...plan.values()].map((p) => [p.target.url, { interval: p.target.interval.ms, sources: p.sources }]),
    );
    expect(byUrl).toEqual({
      'http://a/metrics': { interval: 5_000, sources: [CONFIG_SOURCE, 'checkout', 'search'] },
      'http://b/metrics': { interval: 15_000, sources: ['checkout'] },
    });
  });

  it('plans nothing without targets', () => {
    expect(planTargets([{ name: 'x' }], []).size).toBe(0);
  });
});

describe('targets of a stored rollout spec', () => {
  it('reach the plan through the rg:active view, JSON and all', () => {
    const parsed = parseSpec(
      [
        'apiVersion: rollout-guard/v1',
        'kind: Rollout',
        'metadata: { name: checkout }',
        'spec:',
        '  flag: new-checkout',
        '  scrape:',
        '    - { url: "http://checkout:9464/metrics", interval: 30s }',
        '  guardrails: [{ name: errors, metric: errors_total, aggregate: rate, allowed: { max: 1 } }]',
      ].join('\n'),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const state = {
      ...initialState(parsed.spec, 1),
      phase: 'wave' as const,
      wave: 1,
      history: [{ index: 1, percent: 25, startedAt: 0, endedAt: null }],
    };
    const view = activeView(parsed.spec, 1, state);
    const stored = JSON.parse(JSON.stringify(view)) as ActiveRollout;
    const [planned] = planTargets([stored], []).values();
    expect(planned?.sources).toEqual(['checkout']);
    expect(planned?.target).toEqual({
      url: 'http://checkout:9464/metrics',
      interval: { ms: 30_000, text: '30s' },
      timeout: { ms: 10_000, text: '10s' },
      headers: {},
      format: 'auto',
    });
    // A rollout without targets keeps its rg:active entry as it was.
    expect(
      activeView({ ...parsed.spec, spec: { ...parsed.spec.spec, scrape: [] } }, 1, state),
    ).not.toHaveProperty('scrape');
  });
});
