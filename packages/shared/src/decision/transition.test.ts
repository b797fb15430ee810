import { describe, expect, it } from 'vitest';
import type { WebhookType } from './decision.ts';
import { EVENT_TYPES, type EventType, type RolloutEvent } from './events.ts';
import { accept, decisions, drive, HOUR, MINUTE, T0, webhooks } from './machine-fixture.ts';
import { absoluteMeasurement, differenceMeasurement } from './measurement-fixture.ts';
import { specFixture } from './spec-fixture.ts';
import { initialState, PHASES, type Phase, type RolloutState } from './state.ts';
import { transition } from './transition.ts';

const breachOfComplianceErrors: RolloutEvent = {
  type: 'evaluation',
  measurements: { 'compliance-errors': absoluteMeasurement(0.05) },
};
const csatPasses: RolloutEvent = {
  type: 'checkpoint',
  measurements: { csat: differenceMeasurement('absolute', [-0.5, 0.4]) },
};

/** One representative event of each type; the evaluation breaches a rollback guardrail. */
const sampleEvents: Record<EventType, RolloutEvent> = {
  start: { type: 'start', actor: 'ana' },
  pause: { type: 'pause', actor: 'ana', reason: 'support backlog' },
  resume: { type: 'resume', actor: 'ana' },
  approve: { type: 'approve', actor: 'ana' },
  abort: { type: 'abort', actor: 'ana' },
  rollback: { type: 'rollback', actor: 'ana', reason: 'customer complaints' },
  evaluation: breachOfComplianceErrors,
  'baseline-complete': { type: 'baseline-complete' },
  'bake-elapsed': { type: 'bake-elapsed' },
  checkpoint: csatPasses,
};

/** Drives the real machine from `pending` to each phase, one accepted transition at a time. */
function reach(phase: Phase): RolloutState {
  const spec = phase === 'baseline' ? specFixture({ baseline: { window: '1h' } }) : specFixture();
  const pending = initialState(spec, 3);
  const run = (state: RolloutState, ...steps: [RolloutEvent, number][]) =>
    steps.reduce((s, [event, at]) => accept(transition(s, event, at)).state, state);
  const inWave = () => run(pending, [sampleEvents.start, T0]);
  const atCheckpoint = () => run(inWave(), [sampleEvents['bake-elapsed'], T0 + HOUR]);
  switch (phase) {
    case 'pending':
      return pending;
    case 'baseline':
      return run(pending, [sampleEvents.start, T0]);
    case 'wave':
      return inWave();
    case 'checkpoint':
      return atCheckpoint();
    case 'awaiting-approval':
      return run(atCheckpoint(), [csatPasses, T0 + HOUR]);
    case 'paused':
      return run(inWave(), [sampleEvents.pause, T0 + 60_000]);
    case 'completed':
      return run(
        atCheckpoint(),
        [csatPasses, T0 + HOUR],
        [sampleEvents.approve, T0 + HOUR],
        [sampleEvents['bake-elapsed'], T0 + 2 * HOUR],
        [csatPasses, T0 + 2 * HOUR],
        [sampleEvents.approve, T0 + 2 * HOUR],
        [sampleEvents['bake-elapsed'], T0 + 3 * HOUR],
        [csatPasses, T0 + 3 * HOUR],
      );
    case 'rolled-back':
      return run(inWave(), [sampleEvents.rollback, T0 + 60_000]);
    case 'aborted':
      return run(pending, [sampleEvents.abort, T0]);
  }
}

type Expected = 'refused' | { readonly phase: Phase; readonly webhooks: readonly WebhookType[] };
const R = 'refused' as const;
const to = (phase: Phase, ...hooks: WebhookType[]): Expected => ({ phase, webhooks: hooks });
const terminal: Record<EventType, Expected> = Object.fromEntries(EVENT_TYPES.map((t) => [t, R])) as Record<
  EventType,
  Expected
>;

/** Every (phase, event) pair: the documented transition, or a refusal. Compile-time complete. */
const table: Record<Phase, Record<EventType, Expected>> = {
  pending: {
    start: to('wave', 'rollout.advance'),
    pause: R,
    resume: R,
    approve: R,
    abort: to('aborted'),
    rollback: R,
    evaluation: R,
    'baseline-complete': R,
    'bake-elapsed': R,
    checkpoint: R,
  },
  baseline: {
    start: R,
    pause: to('paused', 'rollout.paused'),
    resume: R,
    approve: R,
    abort: to('aborted'),
    rollback: to('rolled-back', 'rollout.rollback'),
    evaluation: R,
    'baseline-complete': to('wave', 'rollout.advance'),
    'bake-elapsed': R,
    checkpoint: R,
  },
  wave: {
    start: R,
    pause: to('paused', 'rollout.paused'),
    resume: R,
    approve: R,
    abort: to('aborted'),
    rollback: to('rolled-back', 'rollout.rollback'),
    evaluation: to('rolled-back', 'rollout.rollback'),
    'baseline-complete': R,
    'bake-elapsed': to('checkpoint'),
    checkpoint: R,
  },
  checkpoint: {
    start: R,
    pause: to('paused', 'rollout.paused'),
    resume: R,
    approve: R,
    abort: to('aborted'),
    rollback: to('rolled-back', 'rollout.rollback'),
    evaluation: to('rolled-back', 'rollout.rollback'),
    'baseline-complete': R,
    'bake-elapsed': R,
    checkpoint: to('awaiting-approval', 'rollout.verdict'),
  },
  'awaiting-approval': {
    start: R,
    pause: to('paused', 'rollout.paused'),
    resume: R,
    approve: to('wave', 'rollout.advance'),
    abort: to('aborted'),
    rollback: to('rolled-back', 'rollout.rollback'),
    evaluation: to('rolled-back', 'rollout.rollback'),
    'baseline-complete': R,
    'bake-elapsed': R,
    checkpoint: R,
  },
  paused: {
    start: R,
    pause: R,
    resume: to('wave', 'rollout.resolved'),
    approve: R,
    abort: to('aborted', 'rollout.resolved'),
    rollback: to('rolled-back', 'rollout.rollback'),
    evaluation: to('rolled-back', 'rollout.rollback'),
    'baseline-complete': R,
    'bake-elapsed': R,
    checkpoint: R,
  },
  completed: terminal,
  'rolled-back': terminal,
  aborted: terminal,
};

describe('transition: every (phase, event) pair', () => {
  const pairs = PHASES.flatMap((phase) => EVENT_TYPES.map((type) => [phase, type] as const));

  it('covers all phases × events', () => {
    expect(pairs).toHaveLength(PHASES.length * EVENT_TYPES.length);
    expect(Object.keys(table).sort()).toEqual([...PHASES].sort());
  });

  it.each(pairs)('%s + %s', (phase, type) => {
    const state = reach(phase);
    expect(state.phase).toBe(phase);
    const expected = table[phase][type];
    // Late enough that no timer is stale: every phase's deadline is at most T0 + 3h here.
    const result = transition(state, sampleEvents[type], T0 + 10 * HOUR);
    if (expected === 'refused') {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).toContain(`${type} refused: rollout contact-center-copilot`);
        expect(result.reason.length).toBeGreaterThan(
          `${type} refused: rollout contact-center-copilot`.length + 10,
        );
      }
      return;
    }
    const { state: next, effects } = accept(result);
    expect(next.phase).toBe(expected.phase);
    expect(webhooks(effects)).toEqual(expected.webhooks);
    for (const effect of effects) {
      if (effect.type !== 'decision') continue;
      expect(effect.decision.id).toMatch(/^dec_[0-9a-f]{32}$/);
      expect(effect.decision.phase).toEqual({ from: phase, to: expected.phase });
      expect(effect.decision.specVersion).toBe(3);
      if (type !== 'evaluation' && type !== 'checkpoint' && type !== 'baseline-complete') {
        expect(effect.decision.actor).toEqual({ type: 'operator', name: 'ana' });
      }
    }
  });
});

describe('transition: operator flows', () => {
  it('captures a baseline before wave 1 when the spec declares one', () => {
    const pending = initialState(specFixture({ baseline: { window: '1h' } }), 1);
    const started = accept(transition(pending, { type: 'start', actor: 'ana' }, T0));
    expect(started.state).toMatchObject({ phase: 'baseline', wave: 0, deadline: T0 + HOUR });
    expect(started.effects).toContainEqual({
      type: 'schedule',
      event: 'baseline-complete',
      at: T0 + HOUR,
      wave: 0,
      jobId: `contact-center-copilot:v1:baseline-complete:${T0 + HOUR}`,
    });
    expect(decisions(started.effects)[0]).toMatchObject({ outcome: 'started', wave: null });

    const early = transition(started.state, { type: 'baseline-complete' }, T0 + 30 * MINUTE);
    expect(early).toMatchObject({ ok: false });
    if (!early.ok) expect(early.reason).toContain('this timer is stale');

    const wave1 = accept(transition(started.state, { type: 'baseline-complete' }, T0 + HOUR));
    expect(wave1.state).toMatchObject({ phase: 'wave', wave: 1, deadline: T0 + 2 * HOUR });
    expect(webhooks(wave1.effects)).toEqual(['rollout.advance']);
  });

  it('does not count paused time as bake: resume moves the checkpoint back by the pause', () => {
    const state = accept(
      transition(initialState(specFixture(), 1), { type: 'start', actor: 'ana' }, T0),
    ).state;
    const run = drive(state, [
      [{ type: 'pause', actor: 'ana' }, T0 + 10 * MINUTE],
      [{ type: 'resume', actor: 'ana' }, T0 + 40 * MINUTE],
    ]);
    expect(run.state).toMatchObject({ phase: 'wave', deadline: T0 + 90 * MINUTE, pausedMs: 30 * MINUTE });
    expect(run.steps[1]!.effects).toContainEqual(
      expect.objectContaining({ type: 'schedule', event: 'bake-elapsed', at: T0 + 90 * MINUTE }),
    );
    expect(transition(run.state, { type: 'bake-elapsed' }, T0 + HOUR).ok).toBe(false);
    expect(accept(transition(run.state, { type: 'bake-elapsed' }, T0 + 90 * MINUTE)).state.phase).toBe(
      'checkpoint',
    );
  });

  it('refuses to approve a wave that is still baking, and says when it can be', () => {
    const state = accept(
      transition(initialState(specFixture(), 1), { type: 'start', actor: 'ana' }, T0),
    ).state;
    const result = transition(state, { type: 'approve', actor: 'ana' }, T0 + MINUTE);
    expect(result).toEqual({
      ok: false,
      reason:
        'approve refused: rollout contact-center-copilot is baking in wave 1 (25%) until 2026-11-21T11:00:00.000Z; approve applies only after a go verdict, in awaiting-approval',
    });
  });

  it('records the operator and their reason on every action', () => {
    const state = accept(
      transition(initialState(specFixture(), 1), { type: 'start', actor: 'ana' }, T0),
    ).state;
    const paused = accept(
      transition(state, { type: 'pause', actor: 'ben', reason: 'support backlog' }, T0 + MINUTE),
    );
    expect(decisions(paused.effects)[0]).toMatchObject({
      kind: 'paused',
      actor: { type: 'operator', name: 'ben' },
      reason: 'ben paused the rollout: support backlog',
      wave: { index: 1, percent: 25 },
    });
  });

  it('refuses guardrail evaluations while no treatment traffic flows', () => {
    const pending = initialState(specFixture(), 1);
    const result = transition(pending, breachOfComplianceErrors, T0);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok)
      expect(result.reason).toContain("guardrails are watched only while a wave's traffic flows");
  });

  it('a pause during the baseline stops its clock, and guardrails stay unwatched', () => {
    const pending = initialState(specFixture({ baseline: { window: '1h' } }), 1);
    const run = drive(pending, [
      [{ type: 'start', actor: 'ana' }, T0],
      [{ type: 'pause', actor: 'ana' }, T0 + 10 * MINUTE],
    ]);
    expect(run.state.paused).toEqual({ from: 'baseline', at: T0 + 10 * MINUTE, cause: 'operator' });
    expect(transition(run.state, breachOfComplianceErrors, T0 + 20 * MINUTE).ok).toBe(false);
    const resumed = accept(transition(run.state, { type: 'resume', actor: 'ana' }, T0 + 30 * MINUTE));
    expect(resumed.state).toMatchObject({ phase: 'baseline', deadline: T0 + 80 * MINUTE });
    expect(resumed.effects).toContainEqual(
      expect.objectContaining({
        type: 'schedule',
        event: 'baseline-complete',
        at: T0 + 80 * MINUTE,
        wave: 0,
      }),
    );
  });
});
