import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseTokensEnv, parseTokensFile } from './token-config.ts';

const SECRET = 'x'.repeat(20);

describe('ROLLOUT_GUARD_TOKENS', () => {
  it.each([
    ['', []],
    [`ci:admin+operate:${SECRET}`, [{ name: 'ci', scopes: ['admin', 'operate'], secret: { plain: SECRET } }]],
    [
      ` otel:ingest:${SECRET}:with:colons , ui:read:${SECRET} `,
      [
        { name: 'otel', scopes: ['ingest'], secret: { plain: `${SECRET}:with:colons` } },
        { name: 'ui', scopes: ['read'], secret: { plain: SECRET } },
      ],
    ],
  ])('parses %j', (text, expected) => {
    expect(parseTokensEnv(text)).toEqual(expected);
  });

  it.each([
    ['ci:admin', 'expected name:scope1+scope2:secret'],
    [
      `ci:write:${SECRET}`,
      'unknown scope "write"; expected scopes joined by +, from ingest, read, operate, admin',
    ],
    ['ci:admin:short', 'the secret is 5 characters; use at least 16'],
    [`c i:admin:${SECRET}`, 'may use only letters, digits'],
    [`ci:admin:${SECRET},ci:read:${SECRET}`, 'token name "ci" appears twice'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseTokensEnv(text)).toThrow(message);
  });
});

describe('TOKENS_FILE', () => {
  it('reads YAML with a secret or only its SHA-256', () => {
    const hash = createHash('sha256').update(SECRET).digest('hex');
    const text = `tokens:\n  - { name: ci, scopes: [admin, read], token: ${SECRET} }\n  - { name: otel, scopes: [ingest], sha256: ${hash.toUpperCase()} }\n`;
    expect(parseTokensFile(text, 'tokens.yaml')).toEqual([
      { name: 'ci', scopes: ['admin', 'read'], secret: { plain: SECRET } },
      { name: 'otel', scopes: ['ingest'], secret: { sha256: hash } },
    ]);
  });

  it.each([
    ['tokens: [{ name: ci, scopes: [admin] }]', 'tokens.yaml: tokens[0]: give exactly one of token'],
    ['tokens: [{ name: ci, scopes: [admin], sha256: abc }]', 'expected 64 hex digits'],
    ['tokens: [{ name: ci, scopes: [root], token: xxxxxxxxxxxxxxxxxxxx }]', 'unknown scope "root"'],
    ['users: []', 'tokens.yaml: tokens: Invalid input: expected array'],
    ['tokens: [', 'not YAML or JSON'],
  ])('refuses %j', (text, message) => {
    expect(() => parseTokensFile(text, 'tokens.yaml')).toThrow(message);
  });
});
