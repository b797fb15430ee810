import { operate } from '@rollout-guard/shared/store';
import type { ApiTestApp } from './api-test-kit.ts';
import { specYaml } from './api-test-kit.ts';
import { breachEvent } from './controller-states.ts';

/** The clock of the controller tests: waves start at T0 and bake for an hour (specYaml's default). */
export const T0 = Date.parse('2026-11-21T10:00:00Z');
const HOUR = 3_600_000;

/**
 * What the `latency` criterion (mean at most 2, 100 samples at least) measures at a checkpoint, per verdict:
 * inconclusive for too few samples.
 */
const CHECKPOINT_MEASURED = {
  go: { samples: 5000, interval: [0.9, 1.1] },
  'no-go': { samples: 5000, interval: [2.8, 3.2] },
  inconclusive: { samples: 50, interval: [0.5, 1.5] },
} as const;
export type CheckpointOutcome = keyof typeof CHECKPOINT_MEASURED;

/** Stores specYaml(name) (waves 25, 50, 100; manual approval unless `approval` says otherwise). */
export async function putRollout(api: ApiTestApp, name: string, approval: 'manual' | 'auto' = 'manual') {
  const body = specYaml(name).replace('  actions:', `  approval: ${approval}\n  actions:`);
  const res = await api.call('PUT', `/api/v1/rollouts/${name}`, { body, type: 'application/yaml' });
  if (res.status >= 300) throw new Error(`PUT ${name}: ${res.status} ${await res.text()}`);
}

export async function startRollout(api: ApiTestApp, name: string) {
  const result = await operate(api.deps.store, name, 'start', 'operator', 'test', T0);
  if (!result.ok) throw new Error(result.reason);
}

/**
 * Runs the current wave's bake out and judges its checkpoint as `outcome`, through the store's real state
 * machine: `go` leads to awaiting-approval (or the next wave with approval auto), `no-go` to a pause,
 * `inconclusive` to an extended bake.
 */
export async function checkpoint(api: ApiTestApp, name: string, outcome: CheckpointOutcome) {
  const state = await api.deps.store.getState(name);
  const deadline = state?.state.deadline;
  if (deadline === null || deadline === undefined) throw new Error(`${name} is not baking`);
  const elapsed = await api.deps.store.applyEvent(name, { type: 'bake-elapsed' }, deadline);
  if (!elapsed.ok) throw new Error(elapsed.reason);
  const { samples, interval } = CHECKPOINT_MEASURED[outcome];
  const [low, high] = interval;
  const judged = await api.deps.store.applyEvent(
    name,
    {
      type: 'checkpoint',
      measurements: {
        latency: {
          window: { from: deadline - HOUR, to: deadline, label: 'wave' },
          treatment: { samples, value: (low + high) / 2, interval: [low, high] },
        },
      },
    },
    deadline,
  );
  if (!judged.ok) throw new Error(judged.reason);
}

/** A breach of the `error-rate` guardrail (at most 3%) in the current wave: rollout-guard rolls back. */
export async function breach(api: ApiTestApp, name: string) {
  const result = await api.deps.store.applyEvent(name, breachEvent(T0), T0 + 60_000);
  if (!result.ok) throw new Error(result.reason);
}
