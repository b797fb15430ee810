import { describe, expect, it } from 'vitest';
import { useApiSuite } from './api-test-kit.ts';

describe('GET /api/v1/token', () => {
  const suite = useApiSuite();

  it.each([
    ['admin', ['admin', 'read', 'operate']],
    ['operator', ['operate', 'read']],
    ['reader', ['read']],
    ['ingester', ['ingest']],
  ] as const)('says the %s token has the scopes %j', async (token, scopes) => {
    const res = await suite.api.call('GET', '/api/v1/token', { token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; scopes: string[]; open: boolean };
    expect(body).toEqual({ name: token, scopes: expect.any(Array), open: false });
    expect([...body.scopes].sort()).toEqual([...scopes].sort());
  });

  it('answers 401 without a known token', async () => {
    expect((await suite.api.call('GET', '/api/v1/token', { token: null })).status).toBe(401);
  });
});
