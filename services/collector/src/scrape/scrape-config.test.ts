import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScrapeConfig, parseScrapeConfig, ScrapeConfigError } from './scrape-config.ts';

const problemsOf = (text: string, env: Record<string, string> = {}): readonly string[] => {
  try {
    parseScrapeConfig(text, 'scrape.yaml', env);
  } catch (error) {
    if (error instanceof ScrapeConfigError) return error.lines;
    throw error;
  }
  return [];
};

describe('the SCRAPE_CONFIG file', () => {
  it('reads YAML and JSON alike, with defaults', () => {
    const yaml = parseScrapeConfig('scrape:\n  - url: http://api:9464/metrics\n    interval: 30s\n', 'f');
    const json = parseScrapeConfig('{"scrape":[{"url":"http://api:9464/metrics","interval":"30s"}]}', 'f');
    expect(yaml).toEqual(json);
    expect(yaml).toEqual([
      {
        url: 'http://api:9464/metrics',
        interval: { ms: 30_000, text: '30s' },
        timeout: { ms: 10_000, text: '10s' },
        headers: {},
        format: 'auto',
      },
    ]);
  });

  it('an empty file or no path means no targets', () => {
    expect(parseScrapeConfig('', 'f')).toEqual([]);
    expect(loadScrapeConfig('')).toEqual([]);
  });

  it.each<[string, string, Record<string, string>, RegExp[]]>([
    [
      'every bad target at once',
      'scrape:\n  - url: api:9464\n  - url: http://b/metrics\n    interval: 5s\n    timeout: 5s\n  - url: http://c/metrics\n    format: json\n',
      {},
      [
        /^scrape\[0\]\.url: expected the http\(s\) URL/,
        /^scrape\[1\]\.timeout: expected a timeout shorter than the interval \(5s\)/,
        /^scrape\[2\]\.format: expected auto, prometheus or openmetrics/,
      ],
    ],
    ['an unknown top-level field', 'targets: []\n', {}, [/^\(top level\): unknown field\(s\) "targets"/]],
    ['scrape not a list', 'scrape: http://a/metrics\n', {}, [/^scrape: expected a list of scrape targets/]],
    ['a YAML syntax error', 'scrape: [\n', {}, [/^YAML: /]],
    [
      'a header read from an unset variable',
      'scrape:\n  - url: http://a/metrics\n    headers: { Authorization: "env:SCRAPE_AUTH" }\n',
      {},
      [/^scrape\[0\]\.headers\.Authorization: environment variable SCRAPE_AUTH is not set/],
    ],
  ])('refuses %s, listing every problem', (_, text, env, expected) => {
    const problems = problemsOf(text, env);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, i) => {
      expect(problems[i]).toMatch(pattern);
    });
  });

  it('accepts a header whose variable is set', () => {
    const text = 'scrape:\n  - url: http://a/metrics\n    headers: { Authorization: "env:SCRAPE_AUTH" }\n';
    expect(problemsOf(text, { SCRAPE_AUTH: 'Bearer x' })).toEqual([]);
  });

  it('names a missing file in one message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrape-config-'));
    expect(() => loadScrapeConfig(join(dir, 'absent.yaml'))).toThrow(
      /environment has 1 problem:\n {2}SCRAPE_CONFIG: .*absent\.yaml: cannot read the file: no such file$/,
    );
    const file = join(dir, 'scrape.yaml');
    writeFileSync(file, 'scrape:\n  - url: http://a/metrics\n');
    expect(loadScrapeConfig(file)).toHaveLength(1);
  });
});
