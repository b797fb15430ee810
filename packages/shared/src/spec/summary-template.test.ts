import { describe, expect, it } from 'vitest';
import {
  renderSummary,
  SUMMARY_PLACEHOLDERS,
  SUMMARY_RENDERED_MAX,
  type SummaryValues,
  summaryTemplateProblems,
} from './summary-template.ts';

const values: SummaryValues = {
  rollout: 'checkout',
  flag: 'new-checkout',
  check: 'latency',
  outcome: 'breached',
  wave: '2',
  percent: '50',
  value: '2.4',
  interval: '[2.1, 2.7]',
  limit: 'max 2',
  window: 'wave',
  owner: 'payments-oncall',
  runbook: 'https://runbooks.internal/checkout',
};

describe('summary templates', () => {
  it.each<[string, string]>([
    ['{{check}} at {{value}} (limit {{limit}}) in wave {{wave}}', 'latency at 2.4 (limit max 2) in wave 2'],
    ['{{ rollout }}/{{check}} → {{owner}}', 'checkout/latency → payments-oncall'],
    ['no placeholders at all', 'no placeholders at all'],
    [
      '{{flag}} at {{percent}}%: {{outcome}} {{interval}} over {{window}}',
      'new-checkout at 50%: breached [2.1, 2.7] over wave',
    ],
    ['read {{runbook}}', 'read https://runbooks.internal/checkout'],
  ])('renders %j', (template, expected) => {
    expect(summaryTemplateProblems(template)).toEqual([]);
    expect(renderSummary(template, values)).toBe(expected);
  });

  it('does not expand placeholders that a value happens to contain', () => {
    expect(renderSummary('{{check}}', { ...values, check: '{{owner}}' })).toBe('{{owner}}');
  });

  it('knows every placeholder it renders', () => {
    const template = SUMMARY_PLACEHOLDERS.map((name) => `{{${name}}}`).join(' ');
    expect(summaryTemplateProblems(template)).toEqual([]);
    expect(renderSummary(template, values)).toBe(Object.values(values).join(' '));
  });

  it.each<[string, RegExp[]]>([
    ['{{env}}', [/unknown placeholder \{\{env\}\}/]],
    ['{{process.env.SECRET}}', [/unknown placeholder \{\{process\.env\.SECRET\}\}/]],
    ['{{}}', [/unknown placeholder \{\{\}\}/]],
    ['{{check', [/"\{\{" without its pair/]],
    ['check}}', [/"\}\}" without its pair/]],
    ['{{a}} {{b}}', [/\{\{a\}\}/, /\{\{b\}\}/]],
  ])('refuses %j, naming the known placeholders', (template, expected) => {
    const problems = summaryTemplateProblems(template);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, i) => {
      expect(problems[i]).toMatch(pattern);
      expect(problems[i]).toContain('{{check}}');
    });
  });

  it(`cuts what it renders to ${SUMMARY_RENDERED_MAX} characters`, () => {
    const text = renderSummary('{{check}}{{check}}', { ...values, check: 'x'.repeat(900) });
    expect(text).toHaveLength(SUMMARY_RENDERED_MAX);
    expect(text.endsWith('…')).toBe(true);
  });
});
