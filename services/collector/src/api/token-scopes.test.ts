import { describe, expect, it } from 'vitest';
import { apiAppForSuite } from './api-test-kit.ts';

describe('GET /api/v1/token', () => {
  const app = apiAppForSuite();

  it.each([
    ['admin', ['admin', 'read', 'operate']],
    ['operator', ['operate', 'read']],
    ['reader', ['read']],
    ['ingester', ['ingest']],
  ] as const)('says the %s token has the scopes %j', async (token, scopes) => {
    const res = await app().call('GET', '/api/v1/token', { token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; scopes: string[]; open: boolean };
    expect(body).toEqual({ name: token, scopes: expect.any(Array), open: false });
    expect([...body.scopes].sort()).toEqual([...scopes].sort());
  });

  it('answers 401 without a known token', async () => {
    expect((await app().call('GET', '/api/v1/token', { token: null })).status).toBe(401);
  });
});
