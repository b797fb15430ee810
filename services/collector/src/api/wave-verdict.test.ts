import { describe, expect, it } from 'vitest';
import { driven } from './controller-states.ts';
import { type VerdictWord, waveVerdict } from './wave-verdict.ts';

type Steps = Parameters<typeof driven>[0];

describe('waveVerdict', () => {
  it.each<[string, Steps, 'manual' | 'auto', number, VerdictWord, string]>([
    ['not started', [], 'manual', 1, 'pending', 'has not started'],
    ['wave 1 baking', ['start'], 'manual', 1, 'pending', 'is baking until'],
    ['a later wave before it begins', ['start'], 'manual', 2, 'pending', 'wave 2 (50%) has not begun'],
    ['go, awaiting approval', ['start', 'go'], 'manual', 1, 'go', 'go'],
    ['go, the next wave approved', ['start', 'go', 'approve'], 'manual', 1, 'go', 'go'],
    ['the approved wave, baking', ['start', 'go', 'approve'], 'manual', 2, 'pending', 'is baking'],
    ['go with approval auto', ['start', 'go'], 'auto', 1, 'go', 'go'],
    ['no-go', ['start', 'no-go'], 'manual', 1, 'no-go', 'no-go'],
    ['inconclusive, bake extended', ['start', 'inconclusive'], 'manual', 1, 'inconclusive', 'inconclusive'],
    ['no-go after an extension', ['start', 'inconclusive', 'no-go'], 'manual', 1, 'no-go', 'no-go'],
    ['paused by an operator', ['start', 'pause'], 'manual', 1, 'paused', 'paused (operator)'],
    ['rolled back by a guardrail', ['start', 'breach'], 'manual', 1, 'rollback', 'error-rate'],
    ['rolled back, asked about a later wave', ['start', 'breach'], 'manual', 3, 'rollback', 'error-rate'],
    ['aborted', ['start', 'abort'], 'manual', 1, 'aborted', 'shipping by hand'],
    ['completed', ['start', 'go', 'go', 'go'], 'auto', 2, 'go', 'go'],
  ])('%s: wave %#', (_case, steps, approval, wave, verdict, reason) => {
    const { state, decisions } = driven(steps, approval);
    const answer = waveVerdict(state, decisions, wave);
    expect(answer.verdict).toBe(verdict);
    expect(answer.wave.index).toBe(wave);
    expect(answer.reason).toContain(reason);
  });

  it('names the checkpoint decision a go or no-go comes from', () => {
    const { state, decisions } = driven(['start', 'inconclusive', 'go']);
    const answer = waveVerdict(state, decisions, 1);
    expect(answer.decision).toMatchObject({ kind: 'verdict', outcome: 'go', wave: { index: 1 } });
    expect(decisions.filter((d) => d.kind === 'verdict').map((d) => d.outcome)).toEqual([
      'go',
      'inconclusive',
    ]);
  });
});
