import { describe, expect, it } from 'vitest';
import type { Point, SeriesMemo } from '../protocols/point.ts';
import { activeRollout } from './ingest-test-kit.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { Matcher } from './matcher.ts';
import { SeriesFactsMemo } from './series-facts.ts';
import { SeriesIds } from './series-id.ts';

const rollout = activeRollout({ name: 'copilot', metrics: ['requests_total'] });
/** A memo as a decoder makes one for a series it recognises across requests. */
const newMemo = (): SeriesMemo => ({ derived: undefined });
const point = (instance: string, memo?: SeriesMemo): Point => ({
  name: 'requests_total',
  attributes: { 'feature_flag.result.variant': 'on', instance },
  timeMs: 0,
  value: { kind: 'gauge', value: 1 },
  memo,
});

describe('SeriesFactsMemo', () => {
  it('derives a series once per matcher, from its memo or else its attributes record', () => {
    const memo = new SeriesFactsMemo();
    const matcher = new Matcher([rollout]);
    const withMemo = point('a', newMemo());
    const withoutMemo = point('b');
    const facts = memo.factsOf(withMemo, matcher, DEFAULT_LIMITS);
    expect(facts.targets.map((target) => [target.rollout.name, target.cohort])).toEqual([
      ['copilot', 'treatment'],
    ]);
    expect(memo.factsOf({ ...withMemo }, matcher, DEFAULT_LIMITS)).toBe(facts);
    const plain = memo.factsOf(withoutMemo, matcher, DEFAULT_LIMITS);
    expect(memo.factsOf({ ...withoutMemo }, matcher, DEFAULT_LIMITS)).toBe(plain);
    expect(memo.factsOf(withoutMemo, new Matcher([rollout]), DEFAULT_LIMITS)).not.toBe(plain);
  });

  it('hashes a series with a memo once, under every matcher, and keeps no key for it', () => {
    const ids = new SeriesIds();
    const memo = new SeriesFactsMemo(ids);
    const a = point('a', newMemo());
    const first = memo.factsOf(a, new Matcher([rollout]), DEFAULT_LIMITS).id;
    const again = memo.factsOf(a, new Matcher([activeRollout({ ...rollout, waveIndex: 2 })]), DEFAULT_LIMITS);
    expect(again.targets[0]?.rollout.waveIndex).toBe(2);
    expect(again.id).toBe(first);
    expect(first).toBe(new SeriesIds().idOf(a.name, a.attributes));
    expect(ids.hashes).toBe(1);
    expect(ids.size).toBe(0);
  });

  it('remembers by key the ids of points without a memo, each in a record of its own', () => {
    const ids = new SeriesIds();
    const memo = new SeriesFactsMemo(ids);
    const matcher = new Matcher([rollout]);
    const ofRequests = [point('a'), point('a'), point('b'), point('a')].map(
      (p) => memo.factsOf(p, matcher, DEFAULT_LIMITS).id,
    );
    expect(new Set(ofRequests).size).toBe(2);
    expect(ids.hashes).toBe(2);
    expect(ids.size).toBe(2);
  });

  it('gives a series no id while no rollout wants it, and its own once one does', () => {
    const ids = new SeriesIds();
    const memo = new SeriesFactsMemo(ids);
    const a = point('a', newMemo());
    expect(memo.factsOf(a, new Matcher([]), DEFAULT_LIMITS)).toMatchObject({
      id: '',
      reason: 'unwanted-metric',
    });
    expect(memo.factsOf(a, new Matcher([rollout]), DEFAULT_LIMITS).id).toBe(ids.idOf(a.name, a.attributes));
  });
});
