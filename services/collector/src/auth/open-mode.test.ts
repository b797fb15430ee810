import { describe, expect, it } from 'vitest';
import { openModeRefusal } from './open-mode.ts';

const request = (overrides: Partial<Parameters<typeof openModeRefusal>[0]>) => ({
  method: 'POST',
  host: '127.0.0.1:4318',
  origin: undefined,
  secFetchSite: undefined,
  ...overrides,
});

describe('open mode', () => {
  it.each([
    ['an exporter POST to 127.0.0.1', {}, undefined],
    ['the CLI to localhost', { host: 'localhost:4318' }, undefined],
    ['a request to [::1]', { host: '[::1]:4318' }, undefined],
    [
      'a dashboard POST from its own page',
      { origin: 'http://127.0.0.1:4318', secFetchSite: 'same-origin' },
      undefined,
    ],
    [
      'a GET from another site (reads are not state changes)',
      { method: 'GET', secFetchSite: 'cross-site' },
      undefined,
    ],
    ['a DNS-rebound name', { method: 'GET', host: 'attacker.example:4318' }, 'is not a loopback name'],
    ['a cross-site POST', { secFetchSite: 'cross-site' }, 'Sec-Fetch-Site: cross-site'],
    ['a same-site POST from another port', { secFetchSite: 'same-site' }, 'Sec-Fetch-Site: same-site'],
    [
      'a POST from another origin (older browsers)',
      { origin: 'https://evil.example' },
      'from the page at https://evil.example',
    ],
    ['a PUT from another local port', { method: 'PUT', origin: 'http://127.0.0.1:8080' }, 'from the page at'],
    ['a POST from an opaque origin', { origin: 'null' }, 'opaque origin'],
  ])('%s', (_, overrides, refusal) => {
    const found = openModeRefusal(request(overrides), true);
    if (refusal === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(refusal);
  });

  it('answers other Host names when the operator runs open beyond loopback on purpose (ALLOW_OPEN)', () => {
    expect(
      openModeRefusal(request({ method: 'GET', host: 'rollout-guard.internal' }), false),
    ).toBeUndefined();
    expect(
      openModeRefusal(request({ secFetchSite: 'cross-site', host: 'rollout-guard.internal' }), false),
    ).toContain('cross-site');
  });
});
