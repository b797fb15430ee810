import { describe, expect, it } from 'vitest';
import { rolloutKeys } from '../redis/keys.ts';
import { SERIES_STATE_WRITER_FIELD, seriesStateKey } from './buckets.ts';
import { operate } from './operate.ts';
import { DEFAULT_RETENTION, type RetentionPolicy, trimRetention } from './retention.ts';
import { useStoreSuite } from './store-test-kit.ts';
import { testSpec } from './test-rollouts.ts';

const suite = useStoreSuite();
const DAY = 86_400_000;
const put = (name: string, now: number) =>
  suite.store.putSpec(
    { spec: testSpec(name), source: '', contentType: 'application/json', actor: 'ana' },
    now,
  );

describe('trimRetention', () => {
  it('trims audit entries older than the retention and keeps the newer ones', async () => {
    await put('audited', 1);
    const splitAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await put('audited', 2);
    await put('audited', 3);
    const policy: RetentionPolicy = { ...DEFAULT_RETENTION, auditMs: DAY };
    const trimmed = await trimRetention(suite.redis, 'audited', policy, splitAt + DAY);
    expect(trimmed.audit).toBe(1);
    expect((await suite.store.readAudit('audited')).map((entry) => entry.specVersion)).toEqual([2, 3]);
  });

  it('removes decisions older than the retention with their index entries', async () => {
    await put('decided', 1_000);
    await operate(suite.store, 'decided', 'start', 'ana', undefined, 1_000);
    await operate(suite.store, 'decided', 'rollback', 'ana', 'tickets', 5 * DAY);
    const before = await suite.store.listDecisions('decided');
    expect(before.length).toBeGreaterThanOrEqual(2);
    const policy: RetentionPolicy = { ...DEFAULT_RETENTION, decisionsMs: 2 * DAY };
    const trimmed = await trimRetention(suite.redis, 'decided', policy, 6 * DAY);
    const after = await suite.store.listDecisions('decided');
    expect(trimmed.decisions).toBe(before.length - after.length);
    expect(after.map((decision) => decision.kind)).toEqual(['rollback']);
    expect(await suite.redis.zcard(rolloutKeys('decided').decisionIndex)).toBe(after.length);
  });

  it('keeps the newest spec versions, the current one and the one the running rollout judges by', async () => {
    await put('versioned', 1);
    await operate(suite.store, 'versioned', 'start', 'ana', undefined, 2);
    for (let version = 2; version <= 6; version++) await put('versioned', version * 10);
    const policy: RetentionPolicy = { ...DEFAULT_RETENTION, specVersions: 2 };
    const trimmed = await trimRetention(suite.redis, 'versioned', policy, 100);
    expect(trimmed.specVersions).toBe(3);
    expect((await suite.store.listSpecVersions('versioned')).map((v) => v.version)).toEqual([1, 5, 6]);
    expect((await suite.store.getRollout('versioned'))?.spec.version).toBe(1);
  });

  it('drops the cumulative state of series silent past the retention, and only theirs', async () => {
    await put('series', 1);
    const key = seriesStateKey('series', 'requests_total');
    const now = 10 * DAY;
    // The collector's writer token (buckets.ts SERIES_STATE_WRITER_FIELD) goes with any state removed.
    await suite.redis.hset(
      key,
      'quiet',
      `0 ${now - 9 * DAY} ci=5`,
      'recent',
      `0 ${now - 1000} ci=7`,
      SERIES_STATE_WRITER_FIELD,
      'w.1',
    );
    await suite.redis.hset(seriesStateKey('series', 'errors_total'), 'old', `0 ${now - 30 * DAY} ci=1`);
    const policy: RetentionPolicy = { ...DEFAULT_RETENTION, seriesStateMs: 8 * DAY };
    const trimmed = await trimRetention(suite.redis, 'series', policy, now);
    expect(trimmed.seriesStates).toBe(2);
    expect(await suite.redis.hkeys(key)).toEqual(['recent']);
    expect(await suite.redis.exists(seriesStateKey('series', 'errors_total'))).toBe(0);

    // Nothing removed: the token stays, the collector's copy being still exact.
    await suite.redis.hset(key, SERIES_STATE_WRITER_FIELD, 'w.2');
    expect((await trimRetention(suite.redis, 'series', policy, now)).seriesStates).toBe(0);
    expect(await suite.redis.hget(key, SERIES_STATE_WRITER_FIELD)).toBe('w.2');
  });
});
