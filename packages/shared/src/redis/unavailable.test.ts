import { describe, expect, it } from 'vitest';
import { isRedisUnavailable } from './unavailable.ts';

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('isRedisUnavailable', () => {
  it.each([
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), true],
    [new Error('Connection is closed.'), true],
    [new Error('Command timed out'), true],
    [named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1).'), true],
    [named('ClusterAllFailedError', 'Failed to refresh slots cache.'), true],
    [new Error('connect ECONNREFUSED 127.0.0.1:6379'), true],
    [new Error('LOADING Redis is loading the dataset in memory'), true],
    [new Error('CLUSTERDOWN The cluster is down'), true],
    [new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), false],
    [new Error('ERR Error running script: attempt to index a nil value'), false],
    [new TypeError("Cannot read properties of undefined (reading 'x')"), false],
    ['Connection is closed.', false],
  ])('%s → %s', (error, unavailable) => {
    expect(isRedisUnavailable(error)).toBe(unavailable);
  });
});
