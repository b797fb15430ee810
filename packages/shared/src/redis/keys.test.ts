import { describe, expect, it } from 'vitest';
import { globalKeys, rolloutKey, rolloutKeys } from './keys.ts';

// Redis Cluster's slot rule: the part between the first { and the next } is what gets hashed.
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open === -1 || close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}

describe('rolloutKeys', () => {
  it('puts every key of a rollout in the same hash slot', () => {
    const keys = rolloutKeys('contact-center-copilot');
    const all = [
      keys.spec,
      keys.specHistory,
      keys.state,
      keys.audit,
      keys.decisions,
      keys.checkHistory('csat'),
      keys.metricBucket('10s', 'csat_score', 'treatment', 1_700_000_000_000),
      keys.waveTotal(3, 'csat_score', 'control'),
      keys.baselineTotal('csat_score'),
      keys.seriesState('csat_score'),
      keys.batchMarkers,
      keys.activeSeries,
    ];
    expect(new Set(all.map(hashTag))).toEqual(new Set(['contact-center-copilot']));
    expect(new Set(all).size).toBe(all.length);
    expect(keys.metricBucket('10s', 'csat_score', 'treatment', 1_700_000_000_000)).toBe(
      'rg:{contact-center-copilot}:bucket:10s:csat_score:treatment:1700000000000',
    );
    expect(keys.batchMarkers).toBe('rg:{contact-center-copilot}:batches');
  });

  it('gives different rollouts different slots', () => {
    expect(hashTag(rolloutKeys('a').state)).not.toBe(hashTag(rolloutKeys('b').state));
  });

  it.each([
    ['Upper', [], /rollout name "Upper" must match \[a-z0-9-\]\+/],
    ['a{b}', [], /rollout name "a\{b\}"/],
    ['ok', ['x:y'], /key part "x:y" of rollout "ok"/],
    ['ok', [''], /key part ""/],
  ])('refuses rollout %s with parts %j', (rollout, parts, message) => {
    expect(() => rolloutKey(rollout, ...parts)).toThrow(message);
  });

  it('keeps cross-rollout keys out of any rollout slot', () => {
    expect(globalKeys.rollouts).toBe('rg:rollouts');
  });
});
