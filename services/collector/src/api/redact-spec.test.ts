import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact-spec.ts';

describe('redactSecrets', () => {
  it.each([
    ['a literal signing secret', { secret: 'whsec_abc' }, { secret: REDACTED }],
    ['an env reference stays', { secret: 'env:ROLLBACK_SECRET' }, { secret: 'env:ROLLBACK_SECRET' }],
    ['a parsed literal', { token: { value: 'tok-123' } }, { token: { value: REDACTED } }],
    ['a parsed env reference', { routingKey: { env: 'PD_KEY' } }, { routingKey: { env: 'PD_KEY' } }],
    [
      'every header value',
      { headers: { Authorization: 'Bearer x', 'X-Team': 'a' } },
      { headers: { Authorization: REDACTED, 'X-Team': REDACTED } },
    ],
    [
      'a Slack webhook path',
      { url: 'https://hooks.slack.com/services/T/B/X' },
      { url: `https://hooks.slack.com/${REDACTED}` },
    ],
    [
      'credentials and query',
      { url: 'https://u:p@flags.internal/hook?key=1' },
      { url: `https://${REDACTED}@flags.internal/hook?${REDACTED}` },
    ],
    [
      'a plain URL stays',
      { url: 'https://flags.internal/hooks/rollback' },
      { url: 'https://flags.internal/hooks/rollback' },
    ],
    ['not a URL stays', { url: 'flags' }, { url: 'flags' }],
    [
      'deep in lists, the rest untouched',
      {
        spec: {
          flag: 'f',
          actions: {
            alert: [
              { format: 'pagerduty', routingKey: 'abc', url: 'https://events.pagerduty.com/v2/enqueue' },
            ],
          },
        },
      },
      {
        spec: {
          flag: 'f',
          actions: {
            alert: [
              { format: 'pagerduty', routingKey: REDACTED, url: 'https://events.pagerduty.com/v2/enqueue' },
            ],
          },
        },
      },
    ],
  ])('%s', (_name, given, expected) => {
    expect(redactSecrets(given)).toEqual(expected);
  });
});
