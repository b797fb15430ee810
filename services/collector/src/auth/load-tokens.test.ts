import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokens } from './load-tokens.ts';

describe('loadTokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-tokens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('joins ROLLOUT_GUARD_TOKENS and TOKENS_FILE', () => {
    const file = join(dir, 'tokens.json');
    writeFileSync(
      file,
      JSON.stringify({ tokens: [{ name: 'ui', scopes: ['read'], token: 'ui-secret-0123456789' }] }),
    );
    const store = loadTokens({ ROLLOUT_GUARD_TOKENS: 'ci:admin:ci-secret-0123456789', TOKENS_FILE: file });
    expect(store.size).toBe(2);
    expect(store.verify('ui-secret-0123456789')).toEqual({ name: 'ui', scopes: ['read'] });
    expect(store.verify('ci-secret-0123456789')).toEqual({ name: 'ci', scopes: ['admin'] });
  });

  it('says which file cannot be read and which name is configured twice', () => {
    expect(() => loadTokens({ ROLLOUT_GUARD_TOKENS: '', TOKENS_FILE: join(dir, 'nope.yaml') })).toThrow(
      /TOKENS_FILE=.*nope\.yaml cannot be read \(ENOENT\)/,
    );
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, 'tokens: [{ name: ci, scopes: [read], token: other-secret-0123456789 }]');
    expect(() =>
      loadTokens({ ROLLOUT_GUARD_TOKENS: 'ci:admin:ci-secret-0123456789', TOKENS_FILE: file }),
    ).toThrow('token "ci" is in both ROLLOUT_GUARD_TOKENS and');
  });

  it('is empty (open, loopback only) with neither', () => {
    expect(loadTokens({ ROLLOUT_GUARD_TOKENS: '', TOKENS_FILE: '' }).size).toBe(0);
  });
});
