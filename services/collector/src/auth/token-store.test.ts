import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenStore } from './token-store.ts';

describe('the token store', () => {
  const secret = 'operator-secret-0123456789';
  const hashed = 'ingest-secret-0123456789';
  const store = createTokenStore([
    { name: 'op', scopes: ['operate', 'read'], secret: { plain: secret } },
    {
      name: 'otel',
      scopes: ['ingest'],
      secret: { sha256: createHash('sha256').update(hashed).digest('hex') },
    },
  ]);

  it('knows a token by its secret or by a stored hash, and nothing else', () => {
    expect(store.size).toBe(2);
    expect(store.verify(secret)).toEqual({ name: 'op', scopes: ['operate', 'read'] });
    expect(store.verify(hashed)).toEqual({ name: 'otel', scopes: ['ingest'] });
    for (const wrong of [
      '',
      `${secret} `,
      secret.slice(0, -1),
      createHash('sha256').update(hashed).digest('hex'),
    ]) {
      expect(store.verify(wrong)).toBeNull();
    }
  });

  it('keeps no secret in memory, only hashes', () => {
    expect(
      JSON.stringify(createTokenStore([{ name: 'a', scopes: ['read'], secret: { plain: secret } }])),
    ).not.toContain(secret);
  });
});
