import type { RolloutState } from '../decision/state.ts';
import { rolloutKeys } from '../redis/keys.ts';
import { type AuditDraft, positionOf } from './audit-entry.ts';
import { luaScript, type RedisConnection, runScript } from './lua-script.ts';
import type { ScheduleEntry, StoredState } from './records.ts';
import { ContentionError, type RolloutStore, UnknownRolloutError } from './rollout-store.ts';

const applyTransitionScript = luaScript(
  'apply-transition',
  new URL('./apply-transition.lua', import.meta.url),
);

export interface AmendInput {
  readonly name: string;
  /** The stored spec version the running rollout should judge by from now on. */
  readonly version: number;
  readonly actor: string;
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
  const next: RolloutState = { ...state, spec, specVersion: version };
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
 * Makes a running rollout judge by a newer stored spec version, through the same compare-and-set script as
 * every transition, with an audit entry naming the changed fields and the actor.
 */
export async function amendRunningSpec(
  redis: RedisConnection,
  store: RolloutStore,
  input: AmendInput,
  now: number = Date.now(),
): Promise<StoredState> {
  const keys = rolloutKeys(input.name);
  const stored = await store.getSpec(input.name, input.version);
  if (stored === null) throw new UnknownRolloutError(input.name);
  for (let attempt = 1; attempt <= 20; attempt++) {
    const current = await store.getState(input.name);
    if (current === null) throw new UnknownRolloutError(input.name);
    const { state, schedule } = amendedState(current.state, stored.spec, input.version, now);
    const audit: AuditDraft = {
      at: now,
      kind: 'spec',
      actor: input.actor,
      specVersion: input.version,
      event: {
        type: 'spec-stored',
        version: input.version,
        note: `the running rollout now judges by spec version ${input.version} (was ${current.state.specVersion}); changed: ${input.changed.join(', ') || 'nothing'}`,
      },
      from: positionOf(current.state),
      to: positionOf(state),
      decisions: [],
      summary: `spec version ${input.version} applied to the running rollout by ${input.actor}: ${input.changed.join(', ') || 'no field changed'}`,
    };
    const outbox = schedule === null ? [] : [schedule];
    const reply = (await runScript(
      redis,
      applyTransitionScript,
      [keys.state, keys.audit, keys.decisions, keys.decisionIndex, keys.outbox],
      [
        current.rev,
        JSON.stringify(state),
        now,
        1,
        0,
        outbox.length,
        JSON.stringify(audit),
        ...outbox.flatMap((entry) => [entry.id, '', JSON.stringify(entry)]),
      ],
    )) as [number, number];
    if (reply[0] !== 1) continue;
    const next: StoredState = { rev: Number(reply[1]), updatedAt: now, state };
    await store.syncActive(input.name, { spec: stored, state: next });
    return next;
  }
  throw new ContentionError(
    `rollout "${input.name}": its state kept changing while a new spec version was applied; try again`,
  );
}
