import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from './api-types.ts';
import { formatAuditLine } from './audit-line.ts';

const plain = pc.createColors(false);

function entry(overrides: Partial<AuditEntry>): AuditEntry {
  return {
    id: '1-0',
    rollout: 'copilot',
    at: Date.parse('2026-12-06T07:00:01.250Z'),
    time: '2026-12-06T07:00:01.250Z',
    kind: 'transition',
    action: 'approve',
    actor: 'ana',
    reason: null,
    summary: 'approve: awaiting-approval (wave 1) → wave (wave 2)',
    specVersion: 3,
    rev: 9,
    from: { phase: 'awaiting-approval', wave: 1 },
    to: { phase: 'wave', wave: 2 },
    decisions: [],
    deliveries: [],
    event: {},
    ...overrides,
  };
}

describe('formatAuditLine', () => {
  it.each([
    [
      'an approval with its reason and what it caused',
      entry({ reason: 'numbers look fine', decisions: ['d1'], deliveries: ['d1.advance.0'] }),
      '2026-12-06 07:00:01Z  copilot  ana  approve  awaiting-approval 1 → wave 2  spec v3  why: "numbers look fine"  decisions d1  deliveries d1.advance.0',
    ],
    [
      'a refusal says why',
      entry({ kind: 'refused', summary: 'the wave is still baking', to: null }),
      '2026-12-06 07:00:01Z  copilot  ana  approve refused: the wave is still baking  spec v3',
    ],
    [
      'an evaluation says what it found',
      entry({
        action: 'evaluation',
        actor: 'system',
        summary: 'evaluation: stays wave (wave 2); decided rollback rollback',
        from: { phase: 'wave', wave: 2 },
        to: { phase: 'rolled-back', wave: 2 },
      }),
      '2026-12-06 07:00:01Z  copilot  system  evaluation: stays wave (wave 2); decided rollback rollback  wave 2 → rolled-back 2  spec v3',
    ],
    [
      'a spec change, with no move',
      entry({
        kind: 'spec',
        action: 'spec-stored',
        summary: 'spec version 4 stored by admin',
        specVersion: 4,
        from: { phase: 'wave', wave: 2 },
        to: { phase: 'wave', wave: 2 },
      }),
      '2026-12-06 07:00:01Z  copilot  ana  spec: spec version 4 stored by admin  (wave 2)  spec v4',
    ],
  ])('%s', (_name, given, expected) => {
    expect(formatAuditLine(given, plain)).toBe(expected);
  });
});
