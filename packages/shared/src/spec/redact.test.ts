import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.ts';
import { literalSecrets, REDACTED, redactSource, redactSpec } from './redact.ts';
import type { RolloutSpec } from './resolved.ts';
import { exampleText } from './test-fixtures.ts';

const literal = exampleText('contact-center-copilot')
  .replace('"env:ROLLBACK_SECRET"', '"whsec_c2VjcmV0LXNpZ25pbmcta2V5"')
  .replace('"env:PD_KEY"', '"R0UT1NGKEY0123456789abcdef"')
  .replace(
    'verdict: [{ url: "https://hooks.slack.com/services/T/B/X", format: slack }]',
    'verdict: [{ format: slack, url: "https://hooks.slack.com/services/T0/B0/XyZsecret" }, { url: "https://h.internal/v", headers: { Authorization: "Bearer hdr-token-1", X-Trace: "env:TRACE" } }]',
  );

function parsed(text: string): RolloutSpec {
  const result = parseSpec(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spec;
}

describe('literal secrets', () => {
  const spec = parsed(literal);

  it('are found wherever a spec holds one, and env: references are not', () => {
    expect(literalSecrets(spec).map((s) => [s.path.join('.'), s.value])).toEqual(
      expect.arrayContaining([
        ['spec.actions.rollback.1.secret', 'whsec_c2VjcmV0LXNpZ25pbmcta2V5'],
        ['spec.actions.alert.0.routingKey', 'R0UT1NGKEY0123456789abcdef'],
        ['spec.actions.verdict.0.url', 'https://hooks.slack.com/services/T0/B0/XyZsecret'],
        ['spec.actions.verdict.1.headers.Authorization', 'Bearer hdr-token-1'],
      ]),
    );
    expect(literalSecrets(spec)).toHaveLength(4);
    // The example's only literal is its Slack URL, which is its own credential.
    expect(literalSecrets(parsed(exampleText('contact-center-copilot'))).map((s) => s.value)).toEqual([
      'https://hooks.slack.com/services/T/B/X',
    ]);
  });

  it('are gone from the redacted spec and text, and nothing else changes', () => {
    const shown = JSON.stringify(redactSpec(spec)) + redactSource(literal, literalSecrets(spec));
    for (const secret of ['c2VjcmV0', 'R0UT1NGKEY', 'XyZsecret', 'hdr-token-1'])
      expect(shown).not.toContain(secret);
    expect(redactSpec(spec).spec.actions.verdict[0]).toEqual({
      format: 'slack',
      url: `https://hooks.slack.com/${REDACTED}`,
    });
    expect(redactSpec(spec).spec.actions.rollback[1]).toMatchObject({ secret: { value: REDACTED } });
    expect(redactSource(literal, literalSecrets(spec)).split('\n')).toHaveLength(literal.split('\n').length);
    expect(redactSpec(spec).spec.actions.advance).toEqual(spec.spec.actions.advance);
    // The stored spec itself is untouched: the evaluator sends the real values.
    expect(JSON.stringify(spec)).toContain('hdr-token-1');
  });
});

describe('URLs', () => {
  const withUrls = (alert: string, verdict: string) =>
    exampleText('contact-center-copilot')
      .replace(/alert: \[[^\n]*\]/, `alert: [${alert}]`)
      .replace(/verdict: \[[^\n]*\]/, `verdict: [${verdict}]`);

  it.each([
    [
      'credentials and query',
      'https://u:p@flags.internal/hook?key=1',
      `https://${REDACTED}@flags.internal/hook?${REDACTED}`,
    ],
    ['a query alone', 'https://chat.internal/v1/hook?token=abc', `https://chat.internal/v1/hook?${REDACTED}`],
    [
      'a Slack path whatever the format',
      'https://hooks.slack.com/services/T/B/X',
      `https://hooks.slack.com/${REDACTED}`,
    ],
  ])('lose %s, in the spec and in the text', (_name, url, shownAs) => {
    const text = withUrls('{ url: "https://alerts.internal/a" }', `{ url: "${url}" }`);
    const spec = parsed(text);
    expect(literalSecrets(spec).map((s) => [s.path.join('.'), s.shownAs])).toEqual([
      ['spec.actions.verdict.0.url', shownAs],
    ]);
    expect(redactSpec(spec).spec.actions.verdict[0]).toMatchObject({ url: shownAs });
    expect(redactSource(text, literalSecrets(spec))).toContain(shownAs);
    expect(redactSource(text, literalSecrets(spec))).not.toContain(url);
  });

  it('without credentials or a query stay as written, and env: references are no secret', () => {
    const text = withUrls(
      '{ format: pagerduty, routingKey: "env:PD_KEY" }',
      '{ url: "https://flags.internal/hooks/verdict", secret: "env:ROLLBACK_SECRET", headers: { X-Team: "env:TEAM" } }',
    );
    const spec = parsed(text);
    expect(literalSecrets(spec)).toEqual([]);
    expect(redactSpec(spec)).toBe(spec);
    expect(redactSource(text, [])).toBe(text);
  });
});

describe('redactSource', () => {
  const secret = (value: string, shownAs = REDACTED) => ({ path: [], value, shownAs });

  it('leaves no part of secrets that overlap or nest, showing the stretch as the longest', () => {
    const text = 'token: ab-cdef\nother: cdef\nurl: https://u:p@h.internal/x?k=1';
    const shown = redactSource(text, [
      secret('ab-c'),
      secret('cdef'),
      secret('https://u:p@h.internal/x?k=1', `https://${REDACTED}@h.internal/x?${REDACTED}`),
    ]);
    expect(shown).toBe(
      `token: ${REDACTED}\nother: ${REDACTED}\nurl: https://${REDACTED}@h.internal/x?${REDACTED}`,
    );
  });

  it('redacts thousands of secrets in a spec-sized text in one pass', () => {
    const secrets = Array.from({ length: 4_800 }, (_, i) =>
      secret(`hdr-${i.toString(36).padStart(4, '0')}-value`),
    );
    const text = secrets.map((s, i) => `      X-Header-${i}: ${s.value}\n`).join('');
    const shown = redactSource(text, secrets);
    expect(shown.split('\n')).toHaveLength(text.split('\n').length);
    expect(shown).not.toMatch(/hdr-/);
    expect(shown.split(REDACTED)).toHaveLength(4_801);
  });
});
