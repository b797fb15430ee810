import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEMO_SPEC_PATH, prepareDemoSpec } from './demo-spec.ts';

const source = readFileSync(fileURLToPath(new URL(`../../${DEMO_SPEC_PATH}`, import.meta.url)), 'utf8');

describe('prepareDemoSpec', () => {
  it('points every action at the receiver, keeping each path, and reads name, flag and bakes', () => {
    const spec = prepareDemoSpec(source, 'http://127.0.0.1:41234');
    expect(spec.name).toBe('contact-center-copilot');
    expect(spec.flag).toBe('copilot-assist');
    expect(spec.waves).toEqual([
      { percent: 25, bakeMs: 45_000 },
      { percent: 50, bakeMs: 60_000 },
      { percent: 100, bakeMs: 30_000 },
    ]);
    const actions = parse(spec.text).spec.actions as Record<string, { url: string }[]>;
    expect(Object.fromEntries(Object.entries(actions).map(([k, v]) => [k, v.map((t) => t.url)]))).toEqual({
      rollback: ['http://127.0.0.1:41234/rollback'],
      verdict: ['http://127.0.0.1:41234/verdict'],
      advance: ['http://127.0.0.1:41234/advance'],
      alert: ['http://127.0.0.1:41234/alert'],
    });
    // Comments survive: the applied spec is the file a reader opens.
    expect(spec.text).toContain('# `pnpm demo` plays this file');
  });

  it('refuses an invalid spec with its problems located, before anything starts', () => {
    const broken = source.replace('allowed: { max: 0.03 }', 'allowed: { max: "lots" }');
    expect(() => prepareDemoSpec(broken, 'http://127.0.0.1:1')).toThrow(
      /spec\.guardrails\[1\]\.allowed\.max/,
    );
  });
});
