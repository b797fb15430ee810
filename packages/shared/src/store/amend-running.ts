import type { GuardrailState, RolloutState } from '../decision/state.ts';
import { type AuditDraft, positionOf } from './audit-entry.ts';
import type { ScheduleEntry } from './records.ts';

/** What a running rollout is told when it takes a new spec version (`PutSpecInput.applyToRunning`). */
export interface AmendInput {
  /** The changed fields, for the audit log (`spec.guardrails[0].allowed`). */
  readonly changed: readonly string[];
}

/**
 * The state a running rollout moves to when it takes a new spec version whose changes a running rollout
 * may take (thresholds, actions, bakes, approval — the API checks that). A changed bake of the wave being
 * baked moves its checkpoint by the difference; the new timer is returned to be scheduled.
 */
export function amendedState(
  state: RolloutState,
  spec: RolloutState['spec'],
  version: number,
  now: number,
): { state: RolloutState; schedule: ScheduleEntry | null } {
  const next: RolloutState = {
    ...state,
    spec,
    specVersion: version,
    guardrails: guardrailsAfterModeChange(state, spec),
  };
  const before = state.spec.spec.waves[state.wave - 1]?.bake.ms;
  const after = spec.spec.waves[state.wave - 1]?.bake.ms;
  if (state.phase !== 'wave' || state.deadline === null || before === undefined || after === undefined) {
    return { state: next, schedule: null };
  }
  const delta = after - before;
  if (delta === 0) return { state: next, schedule: null };
  const deadline = Math.max(now, state.deadline + delta);
  const name = spec.metadata.name;
  return {
    state: { ...next, bakeMs: Math.max(0, state.bakeMs + delta), deadline },
    schedule: {
      kind: 'schedule',
      id: `${name}:v${version}:wave-${state.wave}:bake-elapsed:${deadline}`,
      rollout: name,
      event: 'bake-elapsed',
      at: deadline,
      wave: state.wave,
      createdAt: now,
    },
  };
}

/**
 * A guardrail that starts (or stops) acting for real — the rollout or the check switched between shadow and
 * enforce — starts its count afresh: a breach that is still going on then acts once it has been seen
 * `consecutive` times under the new mode, instead of being taken as already acted on. The rest of the state
 * (phase, wave, bake, decisions) is kept: switching modes keeps the rollout's history.
 */
function guardrailsAfterModeChange(
  state: RolloutState,
  spec: RolloutState['spec'],
): Readonly<Record<string, GuardrailState>> {
  const acting = (s: RolloutState['spec'], name: string) =>
    `${s.spec.mode ?? 'enforce'}:${s.spec.guardrails.find((g) => g.name === name)?.mode ?? 'enforce'}`;
  return Object.fromEntries(
    Object.entries(state.guardrails).map(([name, g]) => [
      name,
      acting(state.spec, name) === acting(spec, name)
        ? g
        : { consecutive: 0, outcome: 'not-evaluated' as const, evidence: null },
    ]),
  );
}

/**
 * A running rollout taking a new spec version: its amended state, the timer of a moved checkpoint and the
 * audit entry. `putSpec` writes all of it in the same script that stores the version (put-spec.lua), so a
 * version meant for the running rollout is never stored without being applied.
 */
export function amendment(
  current: RolloutState,
  spec: RolloutState['spec'],
  version: number,
  actor: string,
  input: AmendInput,
  now: number,
): { state: RolloutState; outbox: ScheduleEntry[]; audit: AuditDraft } {
  const { state, schedule } = amendedState(current, spec, version, now);
  const changed = input.changed.join(', ');
  return {
    state,
    outbox: schedule === null ? [] : [schedule],
    audit: {
      at: now,
      kind: 'spec',
      actor,
      specVersion: version,
      event: {
        type: 'spec-stored',
        version,
        note: `spec version ${version} stored; the running rollout now judges by it (was ${current.specVersion}); changed: ${changed || 'nothing'}`,
      },
      from: positionOf(current),
      to: positionOf(state),
      decisions: [],
      summary: `spec version ${version} applied to the running rollout by ${actor}: ${changed || 'no field changed'}`,
    },
  };
}
