import { createHash } from 'node:crypto';
import type { RedisClient } from '@rollout-guard/shared/redis';
import {
  activeSeriesKey,
  batchMarkersKey,
  bucketKey,
  SERIES_STATE_WRITER_FIELD,
  seriesStateKey,
} from '@rollout-guard/shared/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { useIngestRedis } from './ingest-test-kit.ts';
import {
  ARG,
  ARGUMENTS,
  decodeReply,
  encodeArguments,
  KEY,
  KeyTable,
  LUA_BODY,
  LUA_HEADER,
  type ScriptCall,
  STATE_SECTION,
  type StateSection,
  sendScriptCall,
} from './script-protocol.ts';

const ROLLOUT = 'checkout';
const STATES = seriesStateKey(ROLLOUT, 'requests_total');
const BUCKET = bucketKey(ROLLOUT, '10s', 'requests_total', 'treatment', 0);

/** A call with one state key and one bucket key in its table, and nothing to do yet. */
function scriptCall(overrides: Partial<ScriptCall> = {}): ScriptCall {
  const table = new KeyTable();
  table.indexOf(STATES);
  table.indexOf(BUCKET);
  return {
    rollout: ROLLOUT,
    keys: table.keys,
    digest: '',
    nowMs: 1_000_000,
    markerMs: 3_600_000,
    maxActiveSeries: 0,
    activeSeriesMs: 3_600_000,
    stateTtlSeconds: 3600,
    writerToken: 'w.1',
    marks: [],
    states: [],
    buckets: [],
    ...overrides,
  };
}
const STATES_INDEX = new KeyTable().indexOf(STATES);
const BUCKET_INDEX = STATES_INDEX + 1;
const APPLIED = { kind: 'applied', foundTokens: [] };

/** A section of the state key: no token expected, nothing vouched for (every state compared). */
function section(seriesIds: string[], states: string[], expected: string[] | undefined): StateSection {
  return { keyIndex: STATES_INDEX, seriesIds, states, expected, expectedToken: '', vouched: false };
}

describe('the ingest script protocol, as the Lua reads it', () => {
  it('leaves no position to the Lua body: every KEYS and ARGV index goes through a generated name', () => {
    const code = LUA_BODY.replace(/--[^\n]*/g, '');
    expect(code).not.toMatch(/(KEYS|ARGV)\[\s*\d/);
    expect(code).not.toMatch(/ARGV\[\s*\d|ARG\.list\s*\+\s*\d/);
    // Every name the body reads is one the header defines.
    const defined = new Map<string, Set<string>>();
    for (const [, table, fields] of LUA_HEADER.matchAll(/^local (\w+) = \{ ([^}]*) \}/gm)) {
      defined.set(
        table as string,
        new Set((fields as string).split(', ').map((f) => f.split(' = ')[0] as string)),
      );
    }
    const used = [...code.matchAll(/\b(KEY|ARG|STATE|BUCKET|TAIL|REPLY)\.(\w+)/g)];
    expect(used.length).toBeGreaterThan(20);
    for (const [name, table, field] of used) {
      expect(
        defined.get(table as string)?.has(field as string),
        `${name} is not in the generated header`,
      ).toBe(true);
    }
  });

  it('puts each scalar where the header says, and the expected states after the list', () => {
    const args = encodeArguments(
      scriptCall({
        digest: 'd1',
        marks: ['a'],
        states: [{ ...section(['a'], ['1 2 ci=3'], ['']), expectedToken: 'w.0', vouched: true }],
      }),
    );
    expect(args).toHaveLength(ARGUMENTS.length + 1);
    expect(args[ARG.digest - 1]).toBe('d1');
    expect(args[ARG.markCount - 1]).toBe(1);
    expect(args[ARG.stateKeyCount - 1]).toBe(1);
    expect(args[ARG.writerToken - 1]).toBe('w.1');
    // The list goes as bytes: with one Buffer among them ioredis writes the command's arguments into
    // one buffer, rather than joining them into a string V8 must copy whole (script-protocol.ts).
    expect(Buffer.isBuffer(args[ARG.list - 1])).toBe(true);
    // The section's fence follows the call's two keys in KEYS; its expected states were sent.
    expect(JSON.parse(String(args[ARG.list - 1]))).toEqual(
      ['a', STATES_INDEX, BUCKET_INDEX + 1, 1, 'w.0', 1, 1, 'a', '1 2 ci=3'].map(String),
    );
    expect(args[ARG.list]).toBe('');
    // A vouched section may leave them out: flagged, and an empty argument in their place.
    const unsent = encodeArguments(
      scriptCall({
        states: [{ ...section(['a'], ['1 2 ci=3'], undefined), expectedToken: 'w.0', vouched: true }],
      }),
    );
    expect(JSON.parse(String(unsent[ARG.list - 1])).slice(0, STATE_SECTION.length)).toEqual(
      [STATES_INDEX, BUCKET_INDEX + 1, 1, 'w.0', 1, 0].map(String),
    );
    expect(unsent[ARG.list]).toBe('');
    expect(KEY).toEqual({ markers: 1, activeSeries: 2 });
  });

  it('says what an unknown reply is', () => {
    expect(() => decodeReply([9])).toThrow(/unknown code 9/);
    expect(() => decodeReply('OK')).toThrow(/not a list/);
  });
});

describe('the ingest script protocol, round trip through the real script', () => {
  const suite = useIngestRedis();
  let redis: RedisClient;
  beforeAll(() => {
    redis = suite.redis;
  });

  it('applies a bucket write (delta) and a state section (cumulative), marks series, then sees the digest', async () => {
    const call = scriptCall({
      digest: 'batch-1',
      marks: ['a', 'b'],
      states: [section(['a'], ['5 600000 ci=7'], [''])],
      buckets: [
        {
          keyIndex: BUCKET_INDEX,
          ttlSeconds: 600,
          fields: [
            ['ci', 7],
            ['n', 1.5],
          ],
          min: 2,
          max: 9,
          lastValue: 4,
          lastTime: 600_000,
        },
      ],
    });
    expect(await sendScriptCall(redis, call)).toEqual(APPLIED);
    expect(await redis.hgetall(BUCKET)).toEqual({
      ci: '7',
      n: '1.5',
      mn: '2',
      mx: '9',
      lv: '4',
      lt: '600000',
    });
    expect(await redis.ttl(BUCKET)).toBeGreaterThan(590);
    expect(await redis.hgetall(STATES)).toEqual({ a: '5 600000 ci=7', [SERIES_STATE_WRITER_FIELD]: 'w.1' });
    expect(await redis.ttl(STATES)).toBeGreaterThan(3590);
    expect(await redis.zrange(activeSeriesKey(ROLLOUT), 0, -1, 'WITHSCORES')).toEqual([
      'a',
      '1000000',
      'b',
      '1000000',
    ]);
    expect(await redis.zscore(batchMarkersKey(ROLLOUT), 'batch-1')).toBe('1000000');

    expect(await sendScriptCall(redis, call)).toEqual({ kind: 'seenBefore' });
    expect(await redis.hget(BUCKET, 'ci')).toBe('7');
  });

  it('writes no last value without its time, and nothing for a bucket without fields or extremes', async () => {
    const bucket = {
      keyIndex: BUCKET_INDEX,
      ttlSeconds: 600,
      fields: [],
      min: undefined,
      max: undefined,
      lastValue: 3,
      lastTime: undefined,
    };
    expect(await sendScriptCall(redis, scriptCall({ buckets: [bucket] }))).toEqual(APPLIED);
    expect(await redis.exists(BUCKET)).toBe(0);
  });

  it('applies a call with an empty list, and fails on an element JSON would escape rather than misread it', async () => {
    expect(await sendScriptCall(redis, scriptCall({ digest: 'd1' }))).toEqual(APPLIED);
    expect(await redis.zscore(batchMarkersKey(ROLLOUT), 'd1')).not.toBeNull();
    const bucket = {
      keyIndex: BUCKET_INDEX,
      ttlSeconds: 600,
      fields: [['a"b', 1] as const],
      min: undefined,
      max: undefined,
      lastValue: undefined,
      lastTime: undefined,
    };
    await expect(sendScriptCall(redis, scriptCall({ buckets: [bucket] }))).rejects.toThrow();
    expect(await redis.exists(BUCKET)).toBe(0);
  });

  it('adds amounts exactly to fields holding a fraction or past 64 bits', async () => {
    await redis.hset(BUCKET, 'ci', '2.5', 'q', '9223372036854775807');
    const bucket = {
      keyIndex: BUCKET_INDEX,
      ttlSeconds: 600,
      fields: [
        ['ci', 3],
        ['n', 4],
        ['q', 1],
        ['s', 0.25],
      ] as const,
      min: undefined,
      max: undefined,
      lastValue: undefined,
      lastTime: undefined,
    };
    expect(await sendScriptCall(redis, scriptCall({ buckets: [bucket] }))).toEqual(APPLIED);
    expect(await sendScriptCall(redis, scriptCall({ buckets: [bucket] }))).toEqual(APPLIED);
    expect(await redis.hgetall(BUCKET)).toEqual({ ci: '8.5', n: '8', q: '9223372036854775809', s: '0.5' });
  });

  it('makes a bucket a hash table once it would hold more than 128 fields, and adds the same amounts', async () => {
    const fieldsOf = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => [`b${from + i}`, 1] as const);
    const write = (fields: ReadonlyArray<readonly [string, number]>) =>
      sendScriptCall(
        redis,
        scriptCall({
          buckets: [
            {
              keyIndex: BUCKET_INDEX,
              ttlSeconds: 600,
              fields,
              min: undefined,
              max: undefined,
              lastValue: undefined,
              lastTime: undefined,
            },
          ],
        }),
      );
    // A counter's single field and a few more stay in the compact listpack.
    await write(fieldsOf(0, 100));
    expect(await redis.object('ENCODING', BUCKET)).toBe('listpack');
    await write(fieldsOf(90, 40));
    expect(await redis.object('ENCODING', BUCKET)).toBe('hashtable');
    const stored = await redis.hgetall(BUCKET);
    expect(Object.keys(stored)).toHaveLength(130);
    expect([stored.b0, stored.b95, stored.b129]).toEqual(['1', '2', '1']);
    // A new bucket given 200 fields at once is a table from the start, without the placeholder.
    await redis.del(BUCKET);
    await write(fieldsOf(0, 200));
    expect(await redis.object('ENCODING', BUCKET)).toBe('hashtable');
    expect(await redis.hlen(BUCKET)).toBe(200);
    expect(await redis.hexists(BUCKET, '\n')).toBe(0);
    expect(await redis.ttl(BUCKET)).toBeGreaterThan(590);
  });

  it('refreshes the TTL of a bucket that a record of extremes leaves unchanged', async () => {
    await redis.hset(BUCKET, 'mn', '1');
    await redis.expire(BUCKET, 100);
    const bucket = {
      keyIndex: BUCKET_INDEX,
      ttlSeconds: 600,
      fields: [],
      min: 5,
      max: undefined,
      lastValue: undefined,
      lastTime: undefined,
    };
    expect(await sendScriptCall(redis, scriptCall({ buckets: [bucket] }))).toEqual(APPLIED);
    expect(await redis.hget(BUCKET, 'mn')).toBe('1');
    expect(await redis.ttl(BUCKET)).toBeGreaterThan(590);
  });

  it('keeps a series-state hash as a hash table, not a listpack that is scanned for every series', async () => {
    const call = scriptCall({
      states: [section(['a', 'b'], ['1 600000 ci=1', '1 600000 ci=2'], ['', ''])],
    });
    expect(await sendScriptCall(redis, call)).toEqual(APPLIED);
    expect(await redis.object('ENCODING', STATES)).toBe('hashtable');
    expect(await redis.hgetall(STATES)).toEqual({
      [SERIES_STATE_WRITER_FIELD]: call.writerToken,
      a: '1 600000 ci=1',
      b: '1 600000 ci=2',
    });
  });

  it('refuses new series past the cap in the order they come, writing nothing', async () => {
    await sendScriptCall(redis, scriptCall({ marks: ['a'], maxActiveSeries: 2 }));
    const call = scriptCall({
      marks: ['b', 'a', 'c', 'd'],
      maxActiveSeries: 2,
      buckets: [
        {
          keyIndex: BUCKET_INDEX,
          ttlSeconds: 600,
          fields: [['ci', 1]],
          min: undefined,
          max: undefined,
          lastValue: undefined,
          lastTime: undefined,
        },
      ],
    });
    // The cap had room (b took it): not full.
    expect(await sendScriptCall(redis, call)).toEqual({
      kind: 'refusedByCap',
      full: false,
      seriesIds: ['c', 'd'],
    });
    expect(await redis.exists(BUCKET)).toBe(0);
    expect(await redis.zrange(activeSeriesKey(ROLLOUT), 0, -1)).toEqual(['a']);
    // Full before the call came: said so.
    await sendScriptCall(redis, scriptCall({ marks: ['b'], maxActiveSeries: 2 }));
    expect(await sendScriptCall(redis, scriptCall({ marks: ['a', 'e'], maxActiveSeries: 2 }))).toEqual({
      kind: 'refusedByCap',
      full: true,
      seriesIds: ['e'],
    });
  });

  it('names the series whose stored state differs, by key index, writing nothing', async () => {
    const unreadable = Buffer.from([0x83, 0xff, 0x00]);
    await redis.hset(STATES, 'a', '1 500000 ci=5', 'b', '1 500000 ci=6', 'c', unreadable);
    const call = scriptCall({
      digest: 'batch-2',
      states: [
        section(
          ['a', 'b', 'c', 'd'],
          ['1 600000 ci=9', '1 600000 ci=9', '1 600000 ci=9', '1 600000 ci=9'],
          // a as stored; b differs; c by the digest of its bytes; d expected absent but … absent.
          ['1 500000 ci=5', '1 400000 ci=1', `#${createHash('sha1').update(unreadable).digest('hex')}`, ''],
        ),
      ],
    });
    expect(await sendScriptCall(redis, call)).toEqual({
      kind: 'changed',
      changes: [{ keyIndex: STATES_INDEX, seriesId: 'b' }],
    });
    expect(await redis.hget(STATES, 'a')).toBe('1 500000 ci=5');
    expect(await redis.zscore(batchMarkersKey(ROLLOUT), 'batch-2')).toBeNull();
  });

  it('skips the states of a vouched section only while the hash holds the expected writer token', async () => {
    await redis.hset(STATES, 'a', '1 500000 ci=5', SERIES_STATE_WRITER_FIELD, 'w.0');
    // Expected 'ci=4' where Redis holds 'ci=5': only a call that reads the state can tell.
    const stale = (expectedToken: string, vouched: boolean, writerToken: string) =>
      scriptCall({
        writerToken,
        states: [{ ...section(['a'], ['1 600000 ci=9'], ['1 500000 ci=4']), expectedToken, vouched }],
      });
    const changed = { kind: 'changed', changes: [{ keyIndex: STATES_INDEX, seriesId: 'a' }] };
    // Not vouched, or another token held: compared, and refused; the token is said when not the one expected.
    expect(await sendScriptCall(redis, stale('w.0', false, 'w.1'))).toEqual(changed);
    expect(await sendScriptCall(redis, stale('other', true, 'w.1'))).toEqual(changed);
    expect(await redis.hget(STATES, SERIES_STATE_WRITER_FIELD)).toBe('w.0');
    // Vouched and the token held: taken as expected, unread (the documented limit: a write behind
    // the token's back goes unseen), written, and the new token in place.
    expect(await sendScriptCall(redis, stale('w.0', true, 'w.1'))).toEqual(APPLIED);
    expect(await redis.hgetall(STATES)).toEqual({ a: '1 600000 ci=9', [SERIES_STATE_WRITER_FIELD]: 'w.1' });
    // The token gone (a trim, an expiry): compared, and the reply says the hash held none.
    await redis.hdel(STATES, SERIES_STATE_WRITER_FIELD);
    expect(
      await sendScriptCall(
        redis,
        scriptCall({
          writerToken: 'w.2',
          states: [
            { ...section(['a'], ['1 700000 ci=10'], ['1 600000 ci=9']), expectedToken: 'w.1', vouched: true },
          ],
        }),
      ),
    ).toEqual({ kind: 'applied', foundTokens: [{ keyIndex: STATES_INDEX, token: '' }] });
    expect(await redis.hget(STATES, SERIES_STATE_WRITER_FIELD)).toBe('w.2');
  });

  it('takes a vouched section sent without its expected states only while the hash holds the token, else names it', async () => {
    await redis.hset(STATES, 'a', '1 500000 ci=5', SERIES_STATE_WRITER_FIELD, 'w.0');
    const unsent = (expectedToken: string, writerToken: string, digest: string) =>
      scriptCall({
        digest,
        writerToken,
        marks: ['a'],
        states: [{ ...section(['a'], ['1 600000 ci=9'], undefined), expectedToken, vouched: true }],
        buckets: [
          {
            keyIndex: BUCKET_INDEX,
            ttlSeconds: 600,
            fields: [['ci', 4]],
            min: undefined,
            max: undefined,
            lastValue: undefined,
            lastTime: undefined,
          },
        ],
      });
    // Another token held: nothing to compare with, so nothing written, no digest, no mark; the key named.
    expect(await sendScriptCall(redis, unsent('w.other', 'w.1', 'batch-1'))).toEqual({
      kind: 'unvouched',
      keyIndexes: [STATES_INDEX],
    });
    expect(await redis.hgetall(STATES)).toEqual({ a: '1 500000 ci=5', [SERIES_STATE_WRITER_FIELD]: 'w.0' });
    expect(await redis.exists(BUCKET)).toBe(0);
    expect(await redis.zscore(batchMarkersKey(ROLLOUT), 'batch-1')).toBeNull();
    expect(await redis.zscore(activeSeriesKey(ROLLOUT), 'a')).toBeNull();
    // No token at all (a trim, an expiry) is another token too.
    await redis.hdel(STATES, SERIES_STATE_WRITER_FIELD);
    expect(await sendScriptCall(redis, unsent('w.0', 'w.1', 'batch-1'))).toMatchObject({ kind: 'unvouched' });
    // The token held: taken as stored, written.
    await redis.hset(STATES, SERIES_STATE_WRITER_FIELD, 'w.0');
    expect(await sendScriptCall(redis, unsent('w.0', 'w.1', 'batch-1'))).toEqual(APPLIED);
    expect(await redis.hgetall(STATES)).toEqual({ a: '1 600000 ci=9', [SERIES_STATE_WRITER_FIELD]: 'w.1' });
    expect(await redis.hget(BUCKET, 'ci')).toBe('4');
    // A section naming a changed state and another sent without its states: unvouched first, nothing written.
    const OTHER_STATES = seriesStateKey(ROLLOUT, 'errors_total');
    await redis.hset(OTHER_STATES, 'b', '1 500000 ci=1');
    const table = new KeyTable();
    const statesIndex = table.indexOf(STATES);
    const otherIndex = table.indexOf(OTHER_STATES);
    const both = scriptCall({
      keys: table.keys,
      writerToken: 'w.2',
      states: [
        {
          ...section(['a'], ['1 700000 ci=10'], undefined),
          keyIndex: statesIndex,
          expectedToken: 'w.x',
          vouched: true,
        },
        { ...section(['b'], ['1 700000 ci=2'], ['1 400000 ci=0']), keyIndex: otherIndex },
      ],
    });
    expect(await sendScriptCall(redis, both)).toEqual({ kind: 'unvouched', keyIndexes: [statesIndex] });
    expect(await redis.hget(STATES, SERIES_STATE_WRITER_FIELD)).toBe('w.1');
  });

  it('loads itself again after Redis forgot its scripts', async () => {
    await sendScriptCall(redis, scriptCall());
    await redis.script('FLUSH');
    expect(await sendScriptCall(redis, scriptCall({ marks: ['a'] }))).toEqual(APPLIED);
    expect(await redis.zscore(activeSeriesKey(ROLLOUT), 'a')).toBe('1000000');
  });
});
