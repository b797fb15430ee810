import { describe, expect, it } from 'vitest';
import { envAllowed, envReferences, parseEnvAllowlist, specEnvAllowed } from './env-allowed.ts';
import { parseSpec } from './parse.ts';
import { exampleText } from './test-fixtures.ts';

describe('SPEC_ENV_ALLOWED', () => {
  it.each([
    ['', 'ROLLBACK_SECRET', false],
    ['ROLLBACK_SECRET,UNLEASH_TOKEN,PD_KEY', 'PD_KEY', true],
    ['ROLLBACK_SECRET,UNLEASH_TOKEN,PD_KEY', 'REDIS_URL', false],
    [' ROLLBACK_SECRET , PD_KEY ', 'PD_KEY', true],
    ['ROLLBACK_SECRET', 'ROLLBACK_SECRET_OLD', false],
    ['RG_SECRET_*', 'RG_SECRET_PD', true],
    ['RG_SECRET_*', 'RG_SECRETS', false],
    ['*', 'ROLLOUT_GUARD_TOKENS', true],
  ])('%j allows %s: %s', (text, name, allowed) => {
    expect(envAllowed(parseEnvAllowlist(text), name)).toBe(allowed);
  });

  it('refuses entries that are neither names nor prefixes, naming them', () => {
    const result = specEnvAllowed.safeParse('PD_KEY,RG-SECRET,A*B');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      '"RG-SECRET" is neither a variable name nor a prefix ending in * (like RG_SECRET_*)',
      '"A*B" is neither a variable name nor a prefix ending in * (like RG_SECRET_*)',
    ]);
  });
});

describe('envReferences', () => {
  it('finds every env: of the PRODUCT.md example with its path, secrets and headers alike', () => {
    const text = exampleText('contact-center-copilot').replace(
      'actions:',
      'scrape: [{ url: "http://app:9100/metrics", headers: { Authorization: "env:SCRAPE_AUTH" } }]\n  actions:',
    );
    const parsed = parseSpec(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(envReferences(parsed.spec).map((r) => [r.path.join('.'), r.name])).toEqual([
      ['spec.actions.advance.0.token', 'UNLEASH_TOKEN'],
      ['spec.actions.alert.0.routingKey', 'PD_KEY'],
      ['spec.actions.rollback.0.token', 'UNLEASH_TOKEN'],
      ['spec.actions.rollback.1.secret', 'ROLLBACK_SECRET'],
      ['spec.scrape.0.headers.Authorization', 'SCRAPE_AUTH'],
    ]);
  });
});

describe('a spec read against the allowlist', () => {
  const text = exampleText('contact-center-copilot');

  it('is valid when every variable it reads is allowed, as PRODUCT.md writes them', () => {
    const envAllowedList = parseEnvAllowlist('ROLLBACK_SECRET,UNLEASH_TOKEN,PD_KEY');
    expect(parseSpec(text, { envAllowed: envAllowedList }).ok).toBe(true);
  });

  it('is refused where it reads another, with the path, the place and how to allow it', () => {
    const result = parseSpec(text.replace('env:UNLEASH_TOKEN', 'env:REDIS_URL'), {
      envAllowed: parseEnvAllowlist('ROLLBACK_SECRET,UNLEASH_TOKEN,PD_KEY'),
    });
    expect(result.ok ? [] : result.problems).toEqual([
      {
        path: 'spec.actions.rollback[0].token',
        message:
          'env:REDIS_URL is not among the variables specs may read; the operator adds REDIS_URL (or a prefix of it ending in *) to SPEC_ENV_ALLOWED on both services',
        line: expect.any(Number),
        column: expect.any(Number),
      },
    ]);
    const line = text.split('\n').findIndex((l) => l.includes('env:UNLEASH_TOKEN')) + 1;
    expect(result.ok ? 0 : result.problems[0]!.line).toBe(line);
  });

  it('refuses an env: header value of a webhook too', () => {
    const result = parseSpec(
      text.replace('secret: "env:ROLLBACK_SECRET"', 'headers: { Authorization: "env:ROLLOUT_GUARD_TOKENS" }'),
      { envAllowed: parseEnvAllowlist('UNLEASH_TOKEN,PD_KEY') },
    );
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual([
      'spec.actions.rollback[1].headers.Authorization',
    ]);
  });
});
