import { describe, expect, it } from 'vitest';
import { validateSpec } from './parse.ts';
import {
  resolveScrapeTarget,
  type ScrapeTargetInput,
  scrapeConfigSchema,
  scrapeTargetInput,
} from './scrape.ts';
import { minimalSpec } from './test-fixtures.ts';

const URL = 'http://checkout:9464/metrics';

describe('scrape target defaults', () => {
  it.each<[string, ScrapeTargetInput, { interval: string; timeout: string; format: string }]>([
    ['only a url', { url: URL }, { interval: '15s', timeout: '10s', format: 'auto' }],
    [
      'a long interval keeps the 10s timeout',
      { url: URL, interval: '1m' },
      { interval: '1m', timeout: '10s', format: 'auto' },
    ],
    [
      'an interval at or under 10s halves it',
      { url: URL, interval: '5s' },
      { interval: '5s', timeout: '2500ms', format: 'auto' },
    ],
    [
      '10s exactly halves it too',
      { url: URL, interval: '10s' },
      { interval: '10s', timeout: '5s', format: 'auto' },
    ],
    [
      'everything given',
      { url: URL, interval: '30s', timeout: '3s', format: 'openmetrics' },
      { interval: '30s', timeout: '3s', format: 'openmetrics' },
    ],
  ])('%s', (_, input, expected) => {
    const target = resolveScrapeTarget(scrapeTargetInput.parse(input));
    expect({ interval: target.interval.text, timeout: target.timeout.text, format: target.format }).toEqual(
      expected,
    );
    expect(target.timeout.ms).toBeLessThan(target.interval.ms);
  });

  it('splits header values into environment references and literals', () => {
    const target = resolveScrapeTarget(
      scrapeTargetInput.parse({
        url: URL,
        headers: { Authorization: 'env:SCRAPE_AUTH', 'X-Team': 'payments' },
      }),
    );
    expect(target.headers).toEqual({
      Authorization: { env: 'SCRAPE_AUTH' },
      'X-Team': { value: 'payments' },
    });
  });
});

describe('spec.scrape on a rollout', () => {
  it('defaults to no targets', () => {
    const result = validateSpec(minimalSpec());
    expect(result.ok && result.spec.spec.scrape).toEqual([]);
  });

  it('resolves each target', () => {
    const spec = minimalSpec();
    (spec.spec as Record<string, unknown>).scrape = [{ url: URL }];
    const result = validateSpec(spec);
    expect(result.ok && result.spec.spec.scrape).toEqual([
      {
        url: URL,
        interval: { ms: 15_000, text: '15s' },
        timeout: { ms: 10_000, text: '10s' },
        headers: {},
        format: 'auto',
      },
    ]);
  });
});

describe('the global scrape config', () => {
  it('lists targets under scrape', () => {
    expect(scrapeConfigSchema.parse({ scrape: [{ url: URL }] }).scrape).toHaveLength(1);
  });

  it('refuses fields beside scrape and reports every bad target', () => {
    const result = scrapeConfigSchema.safeParse({
      targets: [],
      scrape: [{ url: 'nope' }, { url: URL, timeout: '1m' }],
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['', 'scrape.0.url', 'scrape.1.timeout']));
  });
});
