import type { GuardrailInput } from '@rollout-guard/shared/spec';
import { describe, expect, it } from 'vitest';
import type { RolloutEvent } from './events.ts';
import { accept, decisions, drive, HOUR, MINUTE, startedRollout, T0, webhooks } from './machine-fixture.ts';
import { absoluteMeasurement, differenceMeasurement } from './measurement-fixture.ts';
import { specFixture } from './spec-fixture.ts';
import { transition } from './transition.ts';

function rolloutWith(...guardrails: GuardrailInput[]) {
  return startedRollout(specFixture({ guardrails, approval: 'auto' }));
}

const latency = (value: number | null): RolloutEvent => ({
  type: 'evaluation',
  measurements: value === null ? {} : { latency: absoluteMeasurement(value) },
});
const at = (seconds: number) => T0 + seconds * 1000;
const alertingLatency = () =>
  rolloutWith({ name: 'latency', metric: 'latency_seconds', allowed: { max: 2 }, onBreach: 'alert' });

describe('guardrails in the state machine', () => {
  it('rolls back after `consecutive` evaluations outside allowed, a judged one inside resetting the count', () => {
    const state = rolloutWith({
      name: 'latency',
      metric: 'latency_seconds',
      aggregate: 'p99',
      allowed: { max: 2 },
      consecutive: 3,
    });
    const run = drive(state, [
      [latency(3), at(1)],
      [latency(3), at(2)],
      [latency(1), at(3)],
      [latency(3), at(4)],
      [latency(3), at(5)],
      [latency(3), at(6)],
    ]);
    expect(run.steps.map((s) => s.state.phase)).toEqual([
      'wave',
      'wave',
      'wave',
      'wave',
      'wave',
      'rolled-back',
    ]);
    expect(run.steps.slice(0, 5).flatMap((s) => s.effects)).toEqual([]);
    const last = run.steps[5]!;
    expect(webhooks(last.effects)).toEqual(['rollout.rollback']);
    expect(last.effects.at(-1)).toEqual({ type: 'stop' });
    const [rollback] = decisions(last.effects);
    expect(rollback).toMatchObject({
      kind: 'rollback',
      outcome: 'rollback',
      actor: { type: 'system' },
      wave: { index: 1, percent: 25 },
      at: at(6),
    });
    expect(rollback?.checks).toHaveLength(1);
    expect(rollback?.checks[0]).toMatchObject({ check: 'latency', consecutive: { count: 3, required: 3 } });
    expect(rollback?.reason).toContain('guardrail latency breached in wave 1 (25%)');
    expect(run.state.endedAt).toBe(at(6));
  });

  it('never breaches on missing data', () => {
    const state = rolloutWith({ name: 'latency', metric: 'latency_seconds', allowed: { max: 2 } });
    const run = drive(state, [
      [latency(null), at(1)],
      [{ type: 'evaluation', measurements: { latency: absoluteMeasurement(50, 3) } }, at(2)],
    ]);
    expect(run.state.phase).toBe('wave');
    expect(run.steps.flatMap((s) => s.effects)).toEqual([]);
    expect(run.state.guardrails.latency?.outcome).toBe('insufficient');
  });

  it('pauses on a pause guardrail, and a rollback guardrail still acts while paused', () => {
    const state = rolloutWith(
      { name: 'latency', metric: 'latency_seconds', allowed: { max: 2 }, onBreach: 'pause' },
      { name: 'errors', metric: 'errors_ratio', allowed: { max: 0.03 } },
    );
    const paused = accept(transition(state, latency(3), at(1)));
    expect(paused.state.phase).toBe('paused');
    expect(paused.state.paused).toEqual({ from: 'wave', at: at(1), cause: 'guardrail' });
    expect(webhooks(paused.effects)).toEqual(['rollout.paused']);

    const again = accept(transition(paused.state, latency(1), at(2)));
    expect(again.state.phase).toBe('paused');
    const breach: RolloutEvent = { type: 'evaluation', measurements: { errors: absoluteMeasurement(0.2) } };
    const rolled = accept(transition(again.state, breach, at(3)));
    expect(rolled.state.phase).toBe('rolled-back');
    expect(webhooks(rolled.effects)).toEqual(['rollout.rollback']);
  });

  it('a pause guardrail breached again while paused alerts instead of pausing twice', () => {
    const state = rolloutWith({
      name: 'latency',
      metric: 'latency_seconds',
      allowed: { max: 2 },
      onBreach: 'pause',
    });
    const run = drive(state, [
      [latency(3), at(1)],
      [latency(1), at(2)],
      [latency(3), at(3)],
    ]);
    expect(run.state.phase).toBe('paused');
    expect(webhooks(run.steps[2]!.effects)).toEqual(['rollout.alert']);
  });

  it('alerts once per breach, and again with a new id after the breach ended and came back', () => {
    const state = alertingLatency();
    const run = drive(state, [
      [latency(3), at(1)],
      [latency(3), at(2)],
      [latency(1), at(3)],
      [latency(3), at(4)],
    ]);
    expect(run.steps.map((s) => webhooks(s.effects))).toEqual([
      ['rollout.alert'],
      [],
      ['rollout.resolved'],
      ['rollout.alert'],
    ]);
    expect(run.state.phase).toBe('wave');
    const first = decisions(run.steps[0]!.effects)[0]!;
    const second = decisions(run.steps[3]!.effects)[0]!;
    expect(first.id).not.toBe(second.id);
  });

  it('resolves a breach when its guardrail is back within the limit, naming the check, once per episode', () => {
    const state = alertingLatency();
    const run = drive(state, [
      [latency(3), at(1)],
      [latency(1), at(2)],
      [latency(1), at(3)],
      [latency(3), at(4)],
      [latency(1), at(5)],
    ]);
    const resolved = run.steps.flatMap((s) => decisions(s.effects)).filter((d) => d.kind === 'resolved');
    expect(resolved.map((d) => [d.outcome, d.checks.map((c) => c.check), d.wave?.index])).toEqual([
      ['resolved', ['latency'], 1],
      ['resolved', ['latency'], 1],
    ]);
    expect(resolved[0]?.reason).toMatch(/^guardrail latency is back within its limit in wave 1 \(25%\): /);
    expect(resolved[0]?.id).not.toBe(resolved[1]?.id);
  });

  it('resolves the open alerts when the rollout is aborted, and nothing when none is open', () => {
    const state = alertingLatency();
    const breached = drive(state, [[latency(3), at(1)]]).state;
    const aborted = accept(transition(breached, { type: 'abort', actor: 'ana' }, at(2)));
    expect(webhooks(aborted.effects)).toEqual(['rollout.resolved']);
    const [resolution] = decisions(aborted.effects).filter((d) => d.kind === 'resolved');
    expect(resolution).toMatchObject({ phase: { to: 'aborted' }, checks: [{ check: 'latency' }] });

    const quiet = accept(transition(state, { type: 'abort', actor: 'ana' }, at(2)));
    expect(webhooks(quiet.effects)).toEqual([]);
  });

  it('resolves an alert still open when the next wave starts, since its guardrail is judged afresh there', () => {
    const spec = specFixture({
      approval: 'manual',
      guardrails: [{ name: 'latency', metric: 'latency_seconds', allowed: { max: 2 }, onBreach: 'alert' }],
    });
    const inWave = startedRollout(spec);
    const awaiting = drive(inWave, [
      [{ type: 'bake-elapsed' }, T0 + HOUR],
      [
        {
          type: 'checkpoint',
          measurements: { csat: differenceMeasurement('absolute', [-0.5, 0.4]) },
        },
        T0 + HOUR,
      ],
      [latency(3), T0 + HOUR + 1000],
    ]);
    expect(awaiting.state.phase).toBe('awaiting-approval');
    expect(webhooks(awaiting.steps[2]!.effects)).toEqual(['rollout.alert']);

    const approved = accept(transition(awaiting.state, { type: 'approve', actor: 'ana' }, T0 + HOUR + 2000));
    expect(webhooks(approved.effects)).toEqual(['rollout.resolved', 'rollout.advance']);
    const [resolution] = decisions(approved.effects);
    expect(resolution).toMatchObject({
      kind: 'resolved',
      wave: { index: 1 },
      phase: { from: 'awaiting-approval', to: 'wave' },
      checks: [{ check: 'latency' }],
    });
    expect(resolution?.reason).toMatch(
      /^wave 2 starts and its guardrails are judged afresh; guardrail latency/,
    );
  });

  it("resolves a shadow check's alert still open when the rollout completes", () => {
    const spec = specFixture({
      approval: 'auto',
      waves: [{ percent: 100, bake: '1h' }],
      guardrails: [
        {
          name: 'latency',
          metric: 'latency_seconds',
          allowed: { max: 2 },
          onBreach: 'alert',
          mode: 'shadow',
        },
      ],
    });
    const run = drive(startedRollout(spec), [
      [latency(3), at(1)],
      [{ type: 'bake-elapsed' }, T0 + HOUR],
      [
        { type: 'checkpoint', measurements: { csat: differenceMeasurement('absolute', [-0.5, 0.4]) } },
        T0 + HOUR,
      ],
    ]);
    expect(webhooks(run.steps[0]!.effects)).toEqual(['rollout.alert']);
    const completed = run.steps[2]!;
    expect(completed.state.phase).toBe('completed');
    expect(webhooks(completed.effects)).toEqual(['rollout.verdict', 'rollout.resolved', 'rollout.completed']);
    const resolution = decisions(completed.effects).find((d) => d.kind === 'resolved');
    expect(resolution).toMatchObject({ phase: { to: 'completed' }, checks: [{ check: 'latency' }] });
    expect(resolution?.reason).toBe('the rollout completed; guardrail latency no longer alerting');
  });

  it('noData: alert raises one alert when data stops, none while it stays away, none before data ever came', () => {
    const state = rolloutWith({
      name: 'latency',
      metric: 'latency_seconds',
      allowed: { max: 2 },
      noData: 'alert',
    });
    const run = drive(state, [
      [latency(null), at(1)],
      [latency(1), at(2)],
      [latency(null), at(3)],
      [latency(null), at(4)],
      [latency(1), at(5)],
      [latency(null), at(6)],
    ]);
    expect(run.steps.map((s) => webhooks(s.effects).length)).toEqual([0, 0, 1, 0, 0, 1]);
    const alerts = run.steps.flatMap((s) => decisions(s.effects));
    expect(alerts[0]?.reason).toContain('stopped receiving data');
    expect(alerts[0]?.id).not.toBe(alerts[1]?.id);
    expect(run.state.phase).toBe('wave');
  });

  it('noData: ignore stays silent', () => {
    const state = rolloutWith({ name: 'latency', metric: 'latency_seconds', allowed: { max: 2 } });
    const run = drive(state, [
      [latency(1), at(1)],
      [latency(null), at(2)],
    ]);
    expect(run.steps.flatMap((s) => s.effects)).toEqual([]);
  });
});

describe('decision ids', () => {
  const spec = specFixture({
    guardrails: [{ name: 'latency', metric: 'latency_seconds', allowed: { max: 2 } }],
    successCriteria: [],
  });
  const breach = latency(3);

  it('a retried evaluation against the same state yields the same id, whatever the clock says', () => {
    const state = startedRollout(spec);
    const first = decisions(accept(transition(state, breach, at(10))).effects)[0]!;
    const retry = decisions(accept(transition(state, breach, at(95))).effects)[0]!;
    expect(retry.id).toBe(first.id);
    expect(retry.at).not.toBe(first.at);
  });

  it('the same kind of decision in another wave, or another spec version, gets another id', () => {
    const wave1 = startedRollout(spec);
    const run = drive(wave1, [
      [{ type: 'bake-elapsed' }, T0 + HOUR],
      [{ type: 'checkpoint', measurements: {} }, T0 + HOUR],
      [{ type: 'approve', actor: 'ana' }, T0 + HOUR + MINUTE],
    ]);
    expect(run.state.wave).toBe(2);
    const inWave1 = decisions(accept(transition(wave1, breach, at(10))).effects)[0]!;
    const inWave2 = decisions(accept(transition(run.state, breach, T0 + 2 * HOUR)).effects)[0]!;
    const otherVersion = decisions(accept(transition(startedRollout(spec, 4), breach, at(10))).effects)[0]!;
    expect(new Set([inWave1.id, inWave2.id, otherVersion.id]).size).toBe(3);
  });
});
