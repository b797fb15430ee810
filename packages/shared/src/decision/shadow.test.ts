import type { GuardrailInput, RolloutSpecInput } from '@rollout-guard/shared/spec';
import { describe, expect, it } from 'vitest';
import { amendedState } from '../store/amend-running.ts';
import type { RolloutEvent } from './events.ts';
import { accept, decisions, drive, HOUR, startedRollout, T0, webhooks } from './machine-fixture.ts';
import { absoluteMeasurement, differenceMeasurement } from './measurement-fixture.ts';
import { specFixture } from './spec-fixture.ts';
import { initialState } from './state.ts';
import { transition } from './transition.ts';
import { webhookEvent } from './webhook-event.ts';

const errors: GuardrailInput = { name: 'errors', metric: 'errors_ratio', allowed: { max: 0.03 } };
const latency: GuardrailInput = { name: 'latency', metric: 'latency_seconds', allowed: { max: 2 } };

function spec(fields: Partial<RolloutSpecInput['spec']>) {
  return specFixture({ guardrails: [errors], approval: 'auto', ...fields });
}
const reading = (values: Record<string, number>): RolloutEvent => ({
  type: 'evaluation',
  measurements: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, absoluteMeasurement(v)])),
});
const at = (seconds: number) => T0 + seconds * 1000;
const csat = (interval: [number, number]): RolloutEvent => ({
  type: 'checkpoint',
  measurements: { csat: differenceMeasurement('absolute', interval) },
});

describe('a shadow rollout', () => {
  it('records a guardrail rollback marked shadow, sends it only as an alert, and keeps being judged', () => {
    const run = drive(startedRollout(spec({ mode: 'shadow' })), [
      [reading({ errors: 0.05 }), at(1)],
      [reading({ errors: 0.05 }), at(2)],
      [reading({ errors: 0.01 }), at(3)],
      [reading({ errors: 0.06 }), at(4)],
    ]);
    expect(run.steps.map((s) => s.state.phase)).toEqual(['wave', 'wave', 'wave', 'wave']);
    const [first, still, , second] = run.steps.map((s) => s.effects);
    expect(webhooks(first!)).toEqual(['rollout.alert']);
    expect(first!.some((e) => e.type === 'stop')).toBe(false);
    const rollback = decisions(first!)[0]!;
    expect(rollback).toMatchObject({ kind: 'rollback', outcome: 'rollback', shadow: true });
    expect(rollback.phase).toEqual({ from: 'wave', to: 'wave' });
    expect(rollback.reason).toContain('shadow mode');
    // Acts once per breach, like an enforcing guardrail; a later breach is a new decision with its own id.
    expect(still).toEqual([]);
    const again = decisions(second!)[0]!;
    expect(again).toMatchObject({ kind: 'rollback', shadow: true });
    expect(again.id).not.toBe(rollback.id);
    expect(run.state.endedAt).toBeNull();
  });

  it('gives a retried evaluation the same decision id', () => {
    const state = startedRollout(spec({ mode: 'shadow' }));
    const a = accept(transition(state, reading({ errors: 0.05 }), at(1)));
    const b = accept(transition(state, reading({ errors: 0.05 }), at(9)));
    expect(decisions(b.effects)[0]?.id).toBe(decisions(a.effects)[0]?.id);
  });

  it('moves through its waves without an advance webhook and marks every decision shadow', () => {
    const start = accept(
      transition(initialState(spec({ mode: 'shadow' }), 1), { type: 'start', actor: 'ana' }, T0),
    );
    expect(decisions(start.effects).map((d) => [d.kind, d.shadow])).toEqual([['advance', true]]);
    expect(webhooks(start.effects)).toEqual([]);
    const run = drive(start.state, [
      [{ type: 'bake-elapsed' }, T0 + HOUR],
      [csat([-0.5, 0.4]), T0 + HOUR],
    ]);
    expect(run.state).toMatchObject({ phase: 'wave', wave: 2 });
    const last = run.steps[1]!.effects;
    expect(decisions(last).map((d) => [d.outcome, d.shadow])).toEqual([
      ['go', true],
      ['advance', true],
    ]);
    // The verdict still goes out; the advance that would set the flag's percent does not.
    expect(webhooks(last)).toEqual(['rollout.verdict']);
    const event = webhookEvent('rollout.verdict', decisions(last)[0]!, 'http://rg.test');
    expect(event.data.shadow).toBe(true);
  });

  it('records a no-go at a checkpoint without pausing: the wave bakes again and is judged again', () => {
    const run = drive(startedRollout(spec({ mode: 'shadow' })), [
      [{ type: 'bake-elapsed' }, T0 + HOUR],
      [csat([-3, -2]), T0 + HOUR],
      [reading({ errors: 0.05 }), T0 + HOUR + 1000],
      [reading({ errors: 0.01 }), T0 + HOUR + 2000],
      [{ type: 'bake-elapsed' }, T0 + 2 * HOUR],
      [csat([-0.5, 0.4]), T0 + 2 * HOUR],
    ]);
    const noGo = run.steps[1]!;
    const [verdict] = decisions(noGo.effects);
    expect(verdict).toMatchObject({ kind: 'verdict', outcome: 'no-go', shadow: true });
    expect(verdict!.phase).toEqual({ from: 'checkpoint', to: 'wave' });
    expect(verdict!.reason).toContain('shadow mode, so nothing acted and it is still judged');
    // The verdict notification goes out, marked shadow; nothing else does, and the next checkpoint is set.
    expect(webhooks(noGo.effects)).toEqual(['rollout.verdict']);
    expect(noGo.effects.filter((e) => e.type === 'schedule')).toEqual([
      expect.objectContaining({ event: 'bake-elapsed', at: T0 + 2 * HOUR, wave: 1 }),
    ]);
    expect(noGo.state).toMatchObject({ phase: 'wave', wave: 1, paused: null, deadline: T0 + 2 * HOUR });
    // Still judged: a guardrail breach after the no-go is recorded, and the next checkpoint can go.
    expect(decisions(run.steps[2]!.effects)[0]).toMatchObject({ kind: 'rollback', shadow: true });
    expect(decisions(run.steps[5]!.effects).map((d) => d.outcome)).toEqual(['go', 'advance']);
    expect(run.state).toMatchObject({ phase: 'wave', wave: 2 });
  });

  it('pauses an enforcing rollout at the same no-go', () => {
    const run = drive(startedRollout(spec({})), [
      [{ type: 'bake-elapsed' }, T0 + HOUR],
      [csat([-3, -2]), T0 + HOUR],
    ]);
    expect(run.state.phase).toBe('paused');
  });

  it('takes the same decisions an enforcing rollout would, only marked shadow and without acting', () => {
    const events: [RolloutEvent, number][] = [
      [reading({ errors: 0.01 }), at(1)],
      [reading({ errors: 0.05 }), at(2)],
    ];
    const real = drive(startedRollout(spec({})), events);
    const shadow = drive(startedRollout(spec({ mode: 'shadow' })), events);
    const strip = (d: { shadow: boolean; phase: unknown; reason: string }) => {
      const { shadow: _s, phase: _p, reason: _r, ...rest } = d;
      return rest;
    };
    expect(decisions(shadow.steps[1]!.effects).map(strip)).toEqual(
      decisions(real.steps[1]!.effects).map(strip),
    );
    expect(real.state.phase).toBe('rolled-back');
    expect(shadow.state.phase).toBe('wave');
  });
});

describe('a shadow check in an enforcing rollout', () => {
  it('records its breach as a shadow decision without acting, while an enforcing breach still rolls back', () => {
    const state = startedRollout(spec({ guardrails: [errors, { ...latency, mode: 'shadow' }] }));
    const shadowOnly = accept(transition(state, reading({ errors: 0.01, latency: 3 }), at(1)));
    expect(shadowOnly.state.phase).toBe('wave');
    const [observed] = decisions(shadowOnly.effects);
    expect(observed).toMatchObject({ kind: 'rollback', shadow: true, phase: { from: 'wave', to: 'wave' } });
    expect(observed?.checks.map((c) => [c.check, c.shadow])).toEqual([['latency', true]]);
    expect(webhooks(shadowOnly.effects)).toEqual(['rollout.alert']);

    const both = accept(transition(shadowOnly.state, reading({ errors: 0.05, latency: 3 }), at(2)));
    expect(both.state.phase).toBe('rolled-back');
    const real = decisions(both.effects).find((d) => !d.shadow);
    expect(real).toMatchObject({ kind: 'rollback', outcome: 'rollback' });
    // The real rollback's evidence is the enforcing guardrail's alone.
    expect(real?.checks.map((c) => c.check)).toEqual(['errors']);
    expect(webhooks(both.effects)).toEqual(['rollout.rollback']);
  });

  it('does not count in go/no-go, but is judged and shown at the checkpoint', () => {
    const withShadow = spec({
      successCriteria: [
        { name: 'csat', metric: 'csat_score', compare: 'control', allowed: { min: -1 } },
        { name: 'adoption', metric: 'adoption', allowed: { min: 0.8 }, mode: 'shadow' },
      ],
    });
    const run = drive(startedRollout(withShadow), [
      [reading({ errors: 0.01 }), at(1)],
      [{ type: 'bake-elapsed' }, T0 + HOUR],
      [
        {
          type: 'checkpoint',
          measurements: {
            csat: differenceMeasurement('absolute', [-0.5, 0.4]),
            adoption: absoluteMeasurement(0.2),
          },
        },
        T0 + HOUR,
      ],
    ]);
    const verdict = decisions(run.steps[2]!.effects)[0]!;
    expect(verdict).toMatchObject({ outcome: 'go', shadow: false });
    expect(verdict.reason).toContain('shadow checks, not counted: adoption fail');
    expect(verdict.checks.map((c) => [c.check, c.outcome, c.shadow])).toEqual([
      ['csat', 'pass', undefined],
      ['adoption', 'fail', true],
    ]);
    expect(run.state.wave).toBe(2);
  });

  it('does not block go when a shadow guardrail is breached at the checkpoint', () => {
    const run = drive(startedRollout(spec({ guardrails: [{ ...errors, mode: 'shadow' }] })), [
      [reading({ errors: 0.05 }), at(1)],
      [{ type: 'bake-elapsed' }, T0 + HOUR],
      [csat([-0.5, 0.4]), T0 + HOUR],
    ]);
    const verdict = decisions(run.steps[2]!.effects)[0]!;
    expect(verdict.outcome).toBe('go');
    expect(verdict.checks.find((c) => c.check === 'errors')).toMatchObject({
      outcome: 'breached',
      shadow: true,
    });
  });
});

describe('switching a rollout from shadow to enforcing', () => {
  it('keeps its phase, wave and decisions, and a breach that goes on then acts for real', () => {
    const shadowSpec = spec({ mode: 'shadow' });
    const run = drive(startedRollout(shadowSpec, 1), [
      [reading({ errors: 0.05 }), at(1)],
      [reading({ errors: 0.05 }), at(2)],
    ]);
    const { state } = amendedState(run.state, spec({}), 2, at(3));
    expect(state).toMatchObject({
      phase: 'wave',
      wave: 1,
      history: run.state.history,
      ordinals: run.state.ordinals,
      bakeStartedAt: run.state.bakeStartedAt,
    });
    const next = accept(transition(state, reading({ errors: 0.05 }), at(4)));
    expect(next.state.phase).toBe('rolled-back');
    const rollback = decisions(next.effects)[0]!;
    expect(rollback).toMatchObject({ kind: 'rollback', shadow: false, specVersion: 2 });
    expect(rollback.id).not.toBe(decisions(run.steps[0]!.effects)[0]!.id);
    expect(webhooks(next.effects)).toEqual(['rollout.rollback']);
  });
});
