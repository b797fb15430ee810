import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { host, logLevel, port, positiveInteger, redisUrl } from './env-fields.ts';
import { EnvError, parseEnv } from './parse-env.ts';

const schema = z.object({
  PORT: port(4318),
  HOST: host,
  LOG_LEVEL: logLevel,
  REDIS_URL: redisUrl,
  LIMIT: positiveInteger(10, 'bytes'),
});

function problems(source: Record<string, string>): EnvError['problems'] {
  try {
    parseEnv('collector', schema, source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error('expected the environment to be refused');
}

describe('parseEnv', () => {
  it('fills defaults and converts numbers', () => {
    expect(parseEnv('collector', schema, {})).toEqual({
      PORT: 4318,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      REDIS_URL: 'redis://127.0.0.1:6379',
      LIMIT: 10,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv('collector', schema, { PORT: '', LOG_LEVEL: '' })).toMatchObject({
      PORT: 4318,
      LOG_LEVEL: 'info',
    });
  });

  it('reads given values', () => {
    expect(
      parseEnv('collector', schema, {
        PORT: '0',
        HOST: '0.0.0.0',
        LOG_LEVEL: 'DEBUG',
        REDIS_URL: 'rediss://h:1',
        LIMIT: '5',
      }),
    ).toEqual({ PORT: 0, HOST: '0.0.0.0', LOG_LEVEL: 'debug', REDIS_URL: 'rediss://h:1', LIMIT: 5 });
  });

  it.each([
    [
      { PORT: 'http' },
      'PORT',
      '"http" is not a port; expected a whole number from 0 to 65535 (0 picks a free one)',
    ],
    [
      { PORT: '70000' },
      'PORT',
      '"70000" is not a port; expected a whole number from 0 to 65535 (0 picks a free one)',
    ],
    [
      { PORT: '-1' },
      'PORT',
      '"-1" is not a port; expected a whole number from 0 to 65535 (0 picks a free one)',
    ],
    [
      { HOST: 'local host' },
      'HOST',
      '"local host" is not a host or IP address to listen on, like 127.0.0.1 or 0.0.0.0',
    ],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL',
      '"loud" is not a log level; expected one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL', expect.stringContaining('is not a Redis URL')],
    [{ LIMIT: '0' }, 'LIMIT', '"0" is not a positive whole number of bytes'],
    [{ LIMIT: '1.5' }, 'LIMIT', '"1.5" is not a positive whole number of bytes'],
  ])('refuses %j', (source, variable, message) => {
    expect(problems(source)).toEqual([{ variable, message }]);
  });

  it('lists every bad variable in one readable message', () => {
    expect(() => parseEnv('collector', schema, { PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      [
        "The collector's environment has 2 problems:",
        '  PORT: "x" is not a port; expected a whole number from 0 to 65535 (0 picks a free one)',
        '  LOG_LEVEL: "loud" is not a log level; expected one of fatal, error, warn, info, debug, trace, silent',
      ].join('\n'),
    );
  });
});
