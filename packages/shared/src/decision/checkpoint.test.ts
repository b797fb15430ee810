import { describe, expect, it } from 'vitest';
import type { Effect } from './decision.ts';
import type { RolloutEvent } from './events.ts';
import { accept, decisions, drive, HOUR, MINUTE, startedRollout, T0, webhooks } from './machine-fixture.ts';
import { absoluteMeasurement, differenceMeasurement } from './measurement-fixture.ts';
import { specFixture } from './spec-fixture.ts';
import { transition } from './transition.ts';

const bakeElapsed: RolloutEvent = { type: 'bake-elapsed' };
const csat = (interval: readonly [number, number]): RolloutEvent => ({
  type: 'checkpoint',
  measurements: { csat: differenceMeasurement('absolute', interval) },
});
const csatPasses = csat([-0.5, 0.4]);
const csatInconclusive = csat([-1.5, 0.4]);
const csatFails = csat([-2.5, -1.2]);

function schedules(effects: readonly Effect[]) {
  return effects.flatMap((e) => (e.type === 'schedule' ? [e.at - T0] : []));
}

describe('checkpoints', () => {
  it('approval auto: each go starts the next wave, the last go completes the rollout', () => {
    const state = startedRollout(specFixture({ approval: 'auto' }));
    const run = drive(state, [
      [bakeElapsed, T0 + HOUR],
      [csatPasses, T0 + HOUR + 5_000],
      [bakeElapsed, T0 + 2 * HOUR + 5_000],
      [csatPasses, T0 + 2 * HOUR + 9_000],
      [bakeElapsed, T0 + 3 * HOUR + 9_000],
      [csatPasses, T0 + 3 * HOUR + 9_000],
    ]);
    expect(run.steps.map((s) => s.state.phase)).toEqual([
      'checkpoint',
      'wave',
      'checkpoint',
      'wave',
      'checkpoint',
      'completed',
    ]);
    expect(run.steps.map((s) => webhooks(s.effects))).toEqual([
      [],
      ['rollout.verdict', 'rollout.advance'],
      [],
      ['rollout.verdict', 'rollout.advance'],
      [],
      ['rollout.verdict', 'rollout.completed'],
    ]);
    expect(run.steps[0]!.effects).toEqual([{ type: 'evaluate-checkpoint', wave: 1 }]);
    const advance = decisions(run.steps[1]!.effects)[1]!;
    expect(advance.wave).toEqual({ index: 2, percent: 50 });
    expect(schedules(run.steps[1]!.effects)).toEqual([2 * HOUR + 5_000]);
    expect(run.steps[5]!.effects.at(-1)).toEqual({ type: 'stop' });
    expect(run.state.history.map((w) => [w.index, w.percent, w.endedAt !== null])).toEqual([
      [1, 25, true],
      [2, 50, true],
      [3, 100, true],
    ]);
  });

  it('approval manual: a go waits for an operator, whose approval starts the next wave', () => {
    const state = startedRollout(specFixture());
    const run = drive(state, [
      [bakeElapsed, T0 + HOUR],
      [csatPasses, T0 + HOUR],
    ]);
    expect(run.state.phase).toBe('awaiting-approval');
    const verdict = decisions(run.steps[1]!.effects)[0]!;
    expect(verdict).toMatchObject({ outcome: 'go', kind: 'verdict', wave: { index: 1, percent: 25 } });
    expect(verdict.checks.map((c) => [c.check, c.outcome])).toEqual([['csat', 'pass']]);

    const approved = accept(
      transition(run.state, { type: 'approve', actor: 'priya', reason: 'numbers look good' }, T0 + 2 * HOUR),
    );
    expect(approved.state).toMatchObject({ phase: 'wave', wave: 2, deadline: T0 + 3 * HOUR });
    const [advance] = decisions(approved.effects);
    expect(advance).toMatchObject({
      outcome: 'advance',
      actor: { type: 'operator', name: 'priya' },
      wave: { index: 2, percent: 50 },
    });
    expect(advance?.reason).toContain('numbers look good');
  });

  it('inconclusive extends the bake by extend up to maxBake, then says no-go', () => {
    // bake 1h → extend 30m, maxBake 2h.
    const state = startedRollout(specFixture());
    const run = drive(state, [
      [bakeElapsed, T0 + HOUR],
      [csatInconclusive, T0 + HOUR],
    ]);
    expect(run.state).toMatchObject({ phase: 'wave', deadline: T0 + 90 * MINUTE, bakeMs: 90 * MINUTE });
    expect(schedules(run.steps[1]!.effects)).toEqual([90 * MINUTE]);
    expect(decisions(run.steps[1]!.effects)[0]).toMatchObject({ outcome: 'inconclusive' });

    // The checkpoint job of the first bake, retried late, is stale now.
    expect(transition(run.state, bakeElapsed, T0 + 70 * MINUTE).ok).toBe(false);

    const more = drive(run.state, [
      [bakeElapsed, T0 + 90 * MINUTE],
      [csatInconclusive, T0 + 90 * MINUTE],
      [bakeElapsed, T0 + 2 * HOUR],
      [csatInconclusive, T0 + 2 * HOUR],
    ]);
    expect(more.steps[1]!.state.deadline).toBe(T0 + 2 * HOUR);
    const last = more.steps[3]!;
    expect(last.state.phase).toBe('paused');
    expect(last.state.paused).toEqual({ from: 'wave', at: T0 + 2 * HOUR, cause: 'no-go' });
    const verdict = decisions(last.effects)[0]!;
    expect(verdict.outcome).toBe('no-go');
    expect(verdict.reason).toContain('the bake reached its maximum');
    const ids = [run.steps[1]!, more.steps[1]!, last].map((s) => decisions(s.effects)[0]!.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('a failed criterion is a no-go; resume bakes the wave afresh', () => {
    const state = startedRollout(specFixture());
    const run = drive(state, [
      [bakeElapsed, T0 + HOUR],
      [csatFails, T0 + HOUR],
    ]);
    expect(run.state.phase).toBe('paused');
    expect(webhooks(run.steps[1]!.effects)).toEqual(['rollout.verdict']);
    expect(decisions(run.steps[1]!.effects)[0]).toMatchObject({ outcome: 'no-go' });
    expect(decisions(run.steps[1]!.effects)[0]!.reason).toContain('failed: csat');

    const resumed = accept(transition(run.state, { type: 'resume', actor: 'ana' }, T0 + 5 * HOUR));
    expect(resumed.state).toMatchObject({ phase: 'wave', wave: 1, deadline: T0 + 6 * HOUR, bakeMs: HOUR });
    expect(schedules(resumed.effects)).toEqual([6 * HOUR]);
    // The wave's data window did not move: it still began at T0.
    expect(resumed.state.history[0]?.startedAt).toBe(T0);
  });

  it('a breached guardrail that only alerts keeps the checkpoint from going', () => {
    const spec = specFixture({
      guardrails: [{ name: 'latency', metric: 'latency_seconds', allowed: { max: 2 }, onBreach: 'alert' }],
    });
    const state = startedRollout(spec);
    const run = drive(state, [
      [{ type: 'evaluation', measurements: { latency: absoluteMeasurement(5) } }, T0 + 30 * MINUTE],
      [bakeElapsed, T0 + HOUR],
      [csatPasses, T0 + HOUR],
    ]);
    const verdict = decisions(run.steps[2]!.effects)[0]!;
    expect(verdict.outcome).toBe('inconclusive');
    expect(verdict.reason).toContain('breached: latency');
    expect(verdict.checks.map((c) => c.check)).toEqual(['csat', 'latency']);
  });
});
