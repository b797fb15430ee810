import type { Effect, WebhookType } from '../decision/decision.ts';
import type { ActionName } from '../spec/index.ts';
import type { RolloutSpec } from '../spec/resolved.ts';
import type { DeliveryEntry, OutboxEntry, ScheduleEntry } from './records.ts';

/**
 * Which of the spec's action lists hear each webhook type. A rollback also goes to the alert targets: the
 * on-call must learn that a guardrail acted, not only the flag system. A pause goes where alerts go; the
 * end of a rollout goes where verdicts go, and the end of an alert (`rollout.resolved`) where alerts go. Flag-system formats skip types they cannot act on.
 */
export const routes: Readonly<Record<WebhookType, readonly ActionName[]>> = {
  'rollout.rollback': ['rollback', 'alert'],
  'rollout.verdict': ['verdict'],
  'rollout.advance': ['advance'],
  'rollout.alert': ['alert'],
  'rollout.paused': ['alert'],
  'rollout.completed': ['verdict'],
  'rollout.resolved': ['alert'],
};

export function deliveryId(decisionId: string, action: ActionName, targetIndex: number): string {
  return `${decisionId}.${action}.${targetIndex}`;
}

/**
 * The outbox entries a transition's effects call for: one delivery per decision and target, one entry per
 * timer. `spec` is the version the decision was taken under, so its targets are the ones that were declared.
 */
export function outboxEntries(
  rollout: string,
  effects: readonly Effect[],
  spec: RolloutSpec,
  now: number,
  triggeredAt?: number,
): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  for (const effect of effects) {
    if (effect.type === 'decision' && effect.webhook !== null) {
      const { decision, webhook } = effect;
      for (const action of routes[webhook]) {
        spec.spec.actions[action].forEach((_target, targetIndex) => {
          entries.push({
            kind: 'deliver',
            id: deliveryId(decision.id, action, targetIndex),
            rollout,
            decisionId: decision.id,
            webhook,
            action,
            targetIndex,
            specVersion: decision.specVersion,
            createdAt: now,
            ...(triggeredAt === undefined ? {} : { triggeredAt }),
          } satisfies DeliveryEntry);
        });
      }
    } else if (effect.type === 'schedule') {
      entries.push({
        kind: 'schedule',
        id: effect.jobId,
        rollout,
        event: effect.event,
        at: effect.at,
        wave: effect.wave,
        createdAt: now,
      } satisfies ScheduleEntry);
    }
  }
  return entries;
}
