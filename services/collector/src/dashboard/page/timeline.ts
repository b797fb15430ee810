import type { AuditEntryView, DecisionList } from './api-types.ts';
import type { Delivery } from './deliveries-table.ts';

/**
 * A rollout's story on one line per event, newest first: the audit log's entries (operator actions with
 * who and why, spec versions, transitions, refusals, redeliveries), each with the decisions it took and
 * the webhook deliveries they caused; decisions and deliveries older than the audit page read stand alone.
 */

export type Decision = DecisionList['decisions'][number];

export type TimelineItem =
  | {
      readonly type: 'audit';
      readonly at: number;
      readonly entry: AuditEntryView;
      readonly decisions: readonly Decision[];
      readonly deliveries: readonly Delivery[];
    }
  | {
      readonly type: 'decision';
      readonly at: number;
      readonly decision: Decision;
      readonly deliveries: readonly Delivery[];
    }
  | { readonly type: 'delivery'; readonly at: number; readonly delivery: Delivery };

export function mergeTimeline(
  audit: readonly AuditEntryView[],
  decisions: readonly Decision[],
  deliveries: readonly Delivery[],
): TimelineItem[] {
  const decisionById = new Map(decisions.map((d) => [d.id, d]));
  const deliveryById = new Map(deliveries.map((d) => [d.id, d]));
  const placedDecisions = new Set<string>();
  const placedDeliveries = new Set<string>();
  const deliveriesOf = (decisionId: string) => deliveries.filter((d) => d.decisionId === decisionId);
  const take = (list: readonly Delivery[]) =>
    list.filter((d) => {
      if (placedDeliveries.has(d.id)) return false;
      placedDeliveries.add(d.id);
      return true;
    });

  const items: TimelineItem[] = [];
  // Oldest first, so a decision goes with the entry that took it, not with a later redelivery of it.
  for (const entry of [...audit].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))) {
    const taken =
      entry.kind === 'redelivery'
        ? []
        : entry.decisions.flatMap((id) => {
            const decision = decisionById.get(id);
            if (decision === undefined || placedDecisions.has(id)) return [];
            placedDecisions.add(id);
            return [decision];
          });
    const caused = take([
      ...entry.deliveries.flatMap((id) => {
        const delivery = deliveryById.get(id);
        return delivery === undefined || entry.kind === 'redelivery' ? [] : [delivery];
      }),
      ...taken.flatMap((d) => deliveriesOf(d.id)),
    ]);
    items.push({ type: 'audit', at: entry.at, entry, decisions: taken, deliveries: caused });
  }
  for (const decision of decisions) {
    if (placedDecisions.has(decision.id)) continue;
    placedDecisions.add(decision.id);
    items.push({ type: 'decision', at: decision.at, decision, deliveries: take(deliveriesOf(decision.id)) });
  }
  for (const delivery of deliveries) {
    if (!placedDeliveries.has(delivery.id))
      items.push({ type: 'delivery', at: delivery.createdAt, delivery });
  }
  // Newest first; of two at the same millisecond, the one recorded later first.
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.at - a.item.at || b.index - a.index)
    .map(({ item }) => item);
}
