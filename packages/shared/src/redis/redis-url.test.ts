import { describe, expect, it } from 'vitest';
import { parseRedisUrl, type RedisTarget, redact } from './redis-url.ts';

describe('parseRedisUrl', () => {
  const cases: Array<[string, RedisTarget]> = [
    ['redis://localhost', { kind: 'standalone', host: 'localhost', port: 6379, db: 0, tls: false }],
    ['redis://10.0.0.5:6380/3', { kind: 'standalone', host: '10.0.0.5', port: 6380, db: 3, tls: false }],
    [
      'rediss://default:s%40cret@cache.example.com:6380',
      {
        kind: 'standalone',
        host: 'cache.example.com',
        port: 6380,
        db: 0,
        tls: true,
        username: 'default',
        password: 's@cret',
      },
    ],
    [
      'redis://:hunter2@localhost/1',
      { kind: 'standalone', host: 'localhost', port: 6379, db: 1, tls: false, password: 'hunter2' },
    ],
    ['redis://[::1]:7000', { kind: 'standalone', host: '::1', port: 7000, db: 0, tls: false }],
    [
      'redis+sentinel://:pw@s1:26379,s2,s3:26380/mymaster/2?sentinelPassword=sp',
      {
        kind: 'sentinel',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
          { host: 's3', port: 26380 },
        ],
        masterName: 'mymaster',
        db: 2,
        tls: false,
        password: 'pw',
        sentinelPassword: 'sp',
      },
    ],
    [
      'rediss+sentinel://s1/primary',
      {
        kind: 'sentinel',
        sentinels: [{ host: 's1', port: 26379 }],
        masterName: 'primary',
        db: 0,
        tls: true,
      },
    ],
    [
      'redis+cluster://n1:7000,n2:7001,n3',
      {
        kind: 'cluster',
        nodes: [
          { host: 'n1', port: 7000 },
          { host: 'n2', port: 7001 },
          { host: 'n3', port: 6379 },
        ],
        tls: false,
      },
    ],
    [
      'rediss+cluster://app:pw@n1:7000',
      { kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }], tls: true, username: 'app', password: 'pw' },
    ],
  ];

  it.each(cases)('%s', (url, expected) => {
    expect(parseRedisUrl(url)).toEqual(expected);
  });

  const invalid: Array<[string, RegExp]> = [
    ['localhost:6379', /is not a Redis URL; expected redis:\/\/host:6379/],
    ['http://localhost', /unknown scheme "http:\/\/"/],
    ['redis://', /names no host/],
    ['redis://a:1,b:2', /takes one host, got 2; for several use redis\+sentinel/],
    ['redis://localhost/abc', /"\/abc" is not a database number/],
    ['redis://localhost:99999', /port "99999" of "localhost:99999" is not between 1 and 65535/],
    ['redis+sentinel://s1:26379,s2:26379', /names its master after the hosts/],
    ['redis+cluster://n1:7000/2', /Redis Cluster has no databases; remove "\/2"/],
    ['redis://:secret@bad host', /"bad host" is not a host\[:port\]/],
  ];

  it.each(invalid)('refuses %s', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });

  it('never puts the password in an error message', () => {
    expect(() => parseRedisUrl('redis://u:topsecret@')).toThrow(/^(?!.*topsecret)/);
  });
});

describe('redact', () => {
  it.each([
    ['redis://u:pw@h:6379', 'redis://u:***@h:6379'],
    ['redis://:pw@h', 'redis://:***@h'],
    ['redis://h:6379', 'redis://h:6379'],
  ])('%s → %s', (url, expected) => {
    expect(redact(url)).toBe(expected);
  });
});
