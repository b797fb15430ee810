import { describe, expect, it } from 'vitest';
import type { AuditEntryView } from './api-types.ts';
import type { Delivery } from './deliveries-table.ts';
import { type Decision, mergeTimeline } from './timeline.ts';

function entry(id: string, at: number, kind: string, action: string, extra: Partial<AuditEntryView> = {}) {
  return {
    id,
    rollout: 'r',
    at,
    time: new Date(at).toISOString(),
    kind,
    action,
    actor: 'ana',
    reason: null,
    summary: '',
    specVersion: 1,
    rev: 1,
    from: null,
    to: null,
    decisions: [],
    deliveries: [],
    event: {},
    ...extra,
  } satisfies AuditEntryView;
}

function decision(id: string, at: number): Decision {
  return {
    id,
    kind: 'rollback',
    outcome: 'rollback',
    rollout: 'r',
    flag: 'f',
    specVersion: 1,
    wave: { index: 1, percent: 25 },
    actor: { type: 'system' },
    reason: '',
    at,
    phase: { from: 'wave', to: 'rolled-back' },
    checks: [],
    shadow: false,
  };
}

function delivery(id: string, decisionId: string, createdAt: number): Delivery {
  return {
    id,
    rollout: 'r',
    decisionId,
    webhook: 'rollout.rollback',
    action: 'rollback',
    targetIndex: 0,
    format: 'standard',
    destination: 'flags.internal',
    status: 'delivered',
    attempts: 1,
    createdAt,
    lastAttemptAt: null,
    nextAttemptAt: null,
    deliveredAt: null,
    redeliveries: 0,
  };
}

const shape = (items: ReturnType<typeof mergeTimeline>) =>
  items.map((item) =>
    item.type === 'audit'
      ? `${item.entry.id}[${item.decisions.map((d) => d.id).join(',')}|${item.deliveries.map((d) => d.id).join(',')}]`
      : item.type === 'decision'
        ? `decision ${item.decision.id}[${item.deliveries.map((d) => d.id).join(',')}]`
        : `delivery ${item.delivery.id}`,
  );

describe('mergeTimeline', () => {
  it('puts each decision under the entry that took it, with its deliveries, newest first', () => {
    const items = mergeTimeline(
      [
        entry('1-0', 1000, 'created', 'spec-stored'),
        entry('2-0', 2000, 'transition', 'start', { reason: 'go' }),
        entry('3-0', 3000, 'transition', 'rollback', { decisions: ['d1'], deliveries: ['d1.rollback.0'] }),
        entry('4-0', 4000, 'redelivery', 'redeliver', { decisions: ['d1'], deliveries: ['d1.rollback.0'] }),
      ],
      [decision('d1', 3000)],
      [delivery('d1.rollback.0', 'd1', 3000), delivery('d1.rollback.1', 'd1', 3000)],
    );
    expect(shape(items)).toEqual(['4-0[|]', '3-0[d1|d1.rollback.0,d1.rollback.1]', '2-0[|]', '1-0[|]']);
  });

  it('keeps decisions and deliveries older than the audit page read on lines of their own', () => {
    const items = mergeTimeline(
      [entry('9-0', 9000, 'transition', 'pause')],
      [decision('d0', 500), decision('d2', 5000)],
      [delivery('d2.rollback.0', 'd2', 5000), delivery('gone.rollback.0', 'gone', 100)],
    );
    expect(shape(items)).toEqual([
      '9-0[|]',
      'decision d2[d2.rollback.0]',
      'decision d0[]',
      'delivery gone.rollback.0',
    ]);
  });

  it('shows the entry recorded later first when two share a millisecond', () => {
    const items = mergeTimeline(
      [entry('5-0', 5000, 'transition', 'approve'), entry('5-1', 5000, 'transition', 'evaluation')],
      [],
      [],
    );
    expect(shape(items)).toEqual(['5-1[|]', '5-0[|]']);
  });

  it('is empty with nothing to show', () => {
    expect(mergeTimeline([], [], [])).toEqual([]);
  });
});
