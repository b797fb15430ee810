import type { ActiveRollout } from '@rollout-guard/shared/store';
import { describe, expect, it } from 'vitest';
import { Matcher, normaliseName } from './matcher.ts';

function rollout(overrides: Partial<ActiveRollout> = {}): ActiveRollout {
  return {
    name: 'copilot',
    specVersion: 1,
    flag: 'copilot-assist',
    match: { 'service.name': 'contact-center' },
    cohorts: { attribute: 'feature_flag.result.variant', treatment: 'on', control: 'off' },
    metrics: ['handle_time_seconds', 'errors_total', 'latency_seconds'],
    phase: 'wave',
    waveIndex: 1,
    waveEpoch: 1,
    waveStartedAt: 1_000,
    ...overrides,
  };
}

const service = { 'service.name': 'contact-center' };

describe('Matcher.match', () => {
  const matcher = new Matcher([
    rollout(),
    rollout({
      name: 'search',
      flag: 'new-search',
      match: {},
      cohorts: { attribute: 'variant', treatment: 'B', control: 'A' },
      metrics: ['errors_total'],
    }),
  ]);
  const cohortsOf = (name: string, attributes: Record<string, string>) =>
    matcher.match(name, attributes).matches.map((m) => `${m.rollout.name}:${m.cohort}`);

  it.each([
    [
      'treatment by the current attribute',
      'handle_time_seconds',
      { ...service, 'feature_flag.result.variant': 'on' },
      ['copilot:treatment'],
    ],
    [
      'control by the legacy attribute',
      'handle_time_seconds',
      { ...service, 'feature_flag.variant': 'off' },
      ['copilot:control'],
    ],
    [
      'Prometheus label forms',
      'handle_time_seconds',
      { service_name: 'contact-center', feature_flag_result_variant: 'on' },
      ['copilot:treatment'],
    ],
    ['no cohort attribute: the population only', 'handle_time_seconds', service, ['copilot:baseline']],
    [
      'the matching flag key',
      'handle_time_seconds',
      { ...service, 'feature_flag.key': 'copilot-assist', 'feature_flag.result.variant': 'off' },
      ['copilot:control'],
    ],
    [
      'another flag key',
      'handle_time_seconds',
      { ...service, 'feature_flag.key': 'other', 'feature_flag.result.variant': 'on' },
      [],
    ],
    [
      'a variant that is neither',
      'handle_time_seconds',
      { ...service, 'feature_flag.result.variant': 'shadow' },
      [],
    ],
    [
      'another service',
      'handle_time_seconds',
      { 'service.name': 'billing', 'feature_flag.result.variant': 'on' },
      [],
    ],
    ['a metric nobody reads', 'cpu_seconds_total', service, []],
    [
      'one point, two rollouts, each with its own cohort attribute',
      'errors_total',
      { ...service, variant: 'B', 'feature_flag.result.variant': 'off' },
      ['copilot:control', 'search:treatment'],
    ],
    [
      'a spec cohort attribute falls back to the default ones',
      'errors_total',
      { 'feature_flag.variant': 'A' },
      ['search:control'],
    ],
  ])('%s', (_, name, attributes, expected) => {
    expect(cohortsOf(name, attributes)).toEqual(expected);
  });

  it.each([
    ['cpu_seconds_total', service, 'unwanted-metric'],
    ['handle_time_seconds', { 'service.name': 'billing' }, 'no-match'],
    ['handle_time_seconds', { ...service, 'feature_flag.key': 'other' }, 'other-flag'],
    ['handle_time_seconds', { ...service, 'feature_flag.result.variant': 'shadow' }, 'other-variant'],
  ])('says why %s %o counts nowhere', (name, attributes, reason) => {
    expect(matcher.match(name, attributes)).toEqual({ matches: [], reason });
  });

  it('carries nothing from one point to the next', () => {
    const sequence: Array<[Record<string, string>, string[]]> = [
      [{ ...service, 'feature_flag.key': 'other', 'feature_flag.result.variant': 'on' }, []],
      [{ ...service }, ['copilot:baseline']],
      [{ ...service, 'feature_flag.result.variant': 'off' }, ['copilot:control']],
      [{ 'service.name': 'billing' }, []],
      [{ ...service, feature_flag_result_variant: 'on' }, ['copilot:treatment']],
    ];
    for (const [attributes, expected] of sequence)
      expect(cohortsOf('handle_time_seconds', attributes)).toEqual(expected);
  });

  it('lets the later of two names that normalise alike win, as sent', () => {
    expect(
      cohortsOf('handle_time_seconds', {
        ...service,
        'feature_flag.result.variant': 'off',
        feature_flag_result_variant: 'on',
      }),
    ).toEqual(['copilot:treatment']);
    expect(
      cohortsOf('handle_time_seconds', {
        ...service,
        feature_flag_result_variant: 'on',
        'feature_flag.result.variant': 'off',
      }),
    ).toEqual(['copilot:control']);
  });

  it('gives the same answer for the same attributes record seen twice', () => {
    const attributes = { ...service, 'feature_flag.result.variant': 'on' };
    expect(cohortsOf('handle_time_seconds', attributes)).toEqual(['copilot:treatment']);
    expect(cohortsOf('handle_time_seconds', attributes)).toEqual(['copilot:treatment']);
  });
});

describe('normaliseName', () => {
  it.each([
    ['service.name', 'service_name'],
    ['service_name', 'service_name'],
    ['a.b.c', 'a_b_c'],
    ['.', '_'],
    ['', ''],
  ])('%s → %s', (name, expected) => {
    expect(normaliseName(name)).toBe(expected);
    expect(normaliseName(name)).toBe(expected);
  });

  it('matches exactly past the bound of its normalised names', () => {
    const matcher = new Matcher([rollout()]);
    const cohortOf = (attributes: Record<string, string>) =>
      matcher.match('errors_total', attributes).matches.map((m) => m.cohort);
    // Each point brings a dotted name never seen before: the matcher's memory of names is refilled.
    for (let i = 0; i < 12_000; i++) {
      expect(cohortOf({ ...service, [`n.${i}`]: 'x', 'feature_flag.result.variant': 'on' })).toEqual([
        'treatment',
      ]);
    }
    expect(cohortOf({ ...service, 'feature_flag.result.variant': 'off' })).toEqual(['control']);
    expect(cohortOf({ 'service.name': 'other' })).toEqual([]);
  });
});

describe('Matcher.wantsMetric', () => {
  const matcher = new Matcher([rollout({ metrics: ['latency_seconds', 'errors_total'] })]);
  it.each([
    ['latency_seconds', true],
    ['latency_seconds_bucket', true],
    ['latency_seconds_sum', true],
    ['latency_seconds_count', true],
    ['errors_total', true],
    ['errors', false],
    ['requests_total', false],
    ['other_bucket', false],
  ])('%s → %s', (name, wanted) => {
    expect(matcher.wantsMetric(name)).toBe(wanted);
  });

  it('wants nothing without active rollouts', () => {
    expect(new Matcher([]).wantsMetric('latency_seconds')).toBe(false);
  });
});
