import type { WebhookEvent } from '@rollout-guard/shared/webhooks';

// Events as the evaluator would emit them, for the delivery tests.

const data = {
  decisionId: 'dec_01HZX3K9',
  rollout: 'contact-center-copilot',
  flag: 'copilot-assist',
  specVersion: 3,
  wave: { index: 2, percent: 50 },
  reasons: [
    {
      check: 'compliance-errors',
      value: 0.041,
      interval: [0.036, 0.046] as [number, number],
      allowed: { max: 0.03 },
      samples: { treatment: 5120, control: 4980 },
      window: '1h',
    },
  ],
  evidenceUrl:
    'http://rollout-guard.internal:4318/api/v1/rollouts/contact-center-copilot/decisions/dec_01HZX3K9',
};

export const rollbackEvent: WebhookEvent = {
  type: 'rollout.rollback',
  timestamp: '2026-11-21T10:00:00.123Z',
  data: { ...data, verdict: 'rollback' },
};

export const goEvent: WebhookEvent = {
  type: 'rollout.verdict',
  timestamp: '2026-11-21T10:00:00.123Z',
  data: {
    ...data,
    decisionId: 'dec_01HZX4GO',
    verdict: 'go',
    reasons: [
      {
        check: 'handle-time-improvement',
        value: -0.14,
        interval: [-0.19, -0.11],
        allowed: { max: '-10%' },
        samples: { treatment: 20480, control: 19920 },
        window: 'wave',
      },
    ],
  },
};

export const advanceEvent: WebhookEvent = {
  type: 'rollout.advance',
  timestamp: '2026-11-21T10:00:00.123Z',
  data: {
    ...data,
    decisionId: 'dec_01HZX5AD',
    verdict: 'advance',
    wave: { index: 3, percent: 100 },
    reasons: [],
    summary: 'Wave 2 passed every criterion; approved by alice.',
  },
};

export const alertEvent: WebhookEvent = {
  type: 'rollout.alert',
  timestamp: '2026-11-21T10:00:00.123Z',
  data: { ...data, decisionId: 'dec_01HZX6AL', verdict: 'alert' },
};

/** A rollback from a spec that declares owner, runbook and summary: the rollout's, and the check's own. */
export const oncallRollbackEvent: WebhookEvent = {
  type: 'rollout.rollback',
  timestamp: '2026-11-21T10:00:00.123Z',
  data: {
    ...data,
    decisionId: 'dec_01HZX7OC',
    verdict: 'rollback',
    owner: 'support-platform-oncall',
    runbook: 'https://runbooks.internal/copilot',
    reasons: [
      {
        ...data.reasons[0]!,
        owner: 'compliance-oncall',
        runbook: 'https://runbooks.internal/copilot#compliance',
        summary: 'compliance-errors at 0.041 against max 0.03 in wave 2 (50%)',
      },
    ],
  },
};

/** A no-go verdict from a spec that declares the rollout's owner and runbook: no check is its subject. */
export const oncallNoGoEvent: WebhookEvent = {
  ...goEvent,
  data: {
    ...goEvent.data,
    verdict: 'no-go',
    owner: 'support-platform-oncall',
    runbook: 'https://runbooks.internal/copilot',
  },
} as WebhookEvent;
