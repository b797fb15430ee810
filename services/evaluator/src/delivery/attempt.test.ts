import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttemptRecord, attemptDelivery, nextStep } from './attempt.ts';
import { secretResolver } from './secret.ts';
import type { DeliveryTarget } from './targets.ts';
import { advanceEvent, alertEvent, goEvent, rollbackEvent } from './test-events.ts';
import { startReceiver, type TestReceiver } from './test-receiver.ts';

const routingKey = 'R0UT1NGKEY0123456789abcdefABCDEF';
const token = 'unleash-admin-token-0123456789';
const resolveSecret = secretResolver({
  PD_KEY: routingKey,
  UNLEASH_TOKEN: token,
  SPEC_ENV_ALLOWED: 'PD_KEY,UNLEASH_TOKEN',
});

let receiver: TestReceiver;
beforeAll(async () => {
  // Echoes what it got, as a badly behaved receiver might, and fails.
  receiver = await startReceiver((req, res) => {
    res.statusCode = 500;
    res.end(JSON.stringify(req));
  });
});
afterAll(() => receiver.close());
// The receiver listens on loopback, which the default policy refuses.
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
afterAll(() => egress.close());

const event = (type: WebhookEvent['type'], verdict: string) =>
  ({ ...rollbackEvent, type, data: { ...rollbackEvent.data, verdict } }) as WebhookEvent;
const paused = event('rollout.paused', 'paused');
const completed = {
  ...event('rollout.completed', 'completed'),
  data: { ...rollbackEvent.data, verdict: 'completed', wave: { index: 3, percent: 100 } },
} as WebhookEvent;
const noGo = { ...goEvent, data: { ...goEvent.data, verdict: 'no-go' } } as WebhookEvent;
const inconclusive = { ...goEvent, data: { ...goEvent.data, verdict: 'inconclusive' } } as WebhookEvent;
const events: Record<string, WebhookEvent> = {
  rollback: rollbackEvent,
  go: goEvent,
  'no-go': noGo,
  inconclusive,
  advance: advanceEvent,
  alert: alertEvent,
  paused,
  completed,
};

function targets(url: string): Record<DeliveryTarget['format'], DeliveryTarget> {
  return {
    standard: { format: 'standard', url, headers: {} },
    slack: { format: 'slack', url },
    pagerduty: { format: 'pagerduty', routingKey: { env: 'PD_KEY' }, url },
    alertmanager: { format: 'alertmanager', url, headers: {} },
    'alertmanager-v2': { format: 'alertmanager-v2', url, headers: {} },
    unleash: {
      format: 'unleash',
      url,
      token: { env: 'UNLEASH_TOKEN' },
      project: 'p',
      environment: 'e',
      strategyId: 's',
    },
    launchdarkly: {
      format: 'launchdarkly',
      url,
      token: { value: 'api-x' },
      project: 'p',
      environment: 'e',
      variations: { treatment: 'a', control: 'b' },
    },
    flagsmith: {
      format: 'flagsmith',
      url,
      token: { value: 't' },
      environment: 'e',
      variant: { optionId: 1 },
    },
  };
}

const run = (e: WebhookEvent, target: DeliveryTarget) =>
  attemptDelivery(e, target, { resolveSecret, path: 'actions.x[0]', timeoutMs: 2_000, egress });

describe('attemptDelivery', () => {
  // Which events each format acts on; every other pair is recorded as skipped, with the reason.
  const sent: Record<DeliveryTarget['format'], string[]> = {
    standard: Object.keys(events),
    slack: Object.keys(events),
    pagerduty: ['rollback', 'no-go', 'alert', 'paused'],
    alertmanager: ['rollback', 'no-go', 'alert', 'paused'],
    'alertmanager-v2': ['rollback', 'no-go', 'alert', 'paused'],
    unleash: ['rollback', 'advance'],
    launchdarkly: ['rollback', 'advance'],
    flagsmith: ['rollback', 'advance'],
  };

  it.each(Object.keys(sent) as DeliveryTarget['format'][])(
    '%s sends exactly the events it acts on',
    async (format) => {
      const target = targets(receiver.url)[format];
      const outcomes: Record<string, string> = {};
      for (const [name, e] of Object.entries(events)) outcomes[name] = (await run(e, target)).outcome;
      const expected = Object.fromEntries(
        Object.keys(events).map((name) => [name, sent[format].includes(name) ? 'retry' : 'skipped']),
      );
      expect(outcomes).toEqual(expected);
    },
  );

  it('records why it skipped', async () => {
    const record = await run(goEvent, targets(receiver.url).unleash);
    expect(record).toMatchObject({
      outcome: 'skipped',
      error: 'unleash acts on rollback and advance only, not rollout.verdict',
    });
  });

  it('stops, naming the variable, when a secret is missing from the environment', async () => {
    const record = await attemptDelivery(rollbackEvent, targets(receiver.url).pagerduty, {
      resolveSecret: secretResolver({ SPEC_ENV_ALLOWED: 'PD_KEY' }),
      path: 'actions.alert[0]',
      timeoutMs: 2_000,
      egress,
    });
    expect(record).toMatchObject({
      outcome: 'stopped',
      error:
        "actions.alert[0].routingKey: environment variable PD_KEY is not set in the evaluator's environment; set it, then redeliver",
    });
  });

  it('stops, sending nothing, when a secret is read from a variable specs may not read', async () => {
    const before = receiver.requests.length;
    const record = await attemptDelivery(
      rollbackEvent,
      { format: 'standard', url: receiver.url, secret: { env: 'REDIS_URL' }, headers: {} },
      {
        resolveSecret: secretResolver({ REDIS_URL: 'redis://:password@db', SPEC_ENV_ALLOWED: 'ROLLBACK_*' }),
        path: 'actions.rollback[0]',
        timeoutMs: 2_000,
        egress,
      },
    );
    expect(record).toMatchObject({
      outcome: 'stopped',
      error: expect.stringContaining(
        'actions.rollback[0].secret: env:REDIS_URL is not among the variables specs may read',
      ),
    });
    expect(receiver.requests.length).toBe(before);
  });

  it('stops, without echoing it, when a signing secret from the environment is not base64', async () => {
    const before = receiver.requests.length;
    const record = await attemptDelivery(
      rollbackEvent,
      { format: 'standard', url: receiver.url, secret: { env: 'HOOK_SECRET' }, headers: {} },
      {
        resolveSecret: secretResolver({ HOOK_SECRET: 'my plain password', SPEC_ENV_ALLOWED: 'HOOK_SECRET' }),
        path: 'actions.rollback[0]',
        timeoutMs: 2_000,
        egress,
      },
    );
    expect(record.outcome).toBe('stopped');
    expect(record.error).toMatch(
      /^actions\.rollback\[0\]\.secret: a signing secret must be "whsec_" followed by base64/,
    );
    expect(JSON.stringify(record)).not.toContain('my plain password');
    expect(receiver.requests).toHaveLength(before);
  });

  it.each([
    [
      'launchdarkly',
      { format: 'launchdarkly', url: 'http://l', token: { value: 't' }, project: 'p', environment: 'e' },
      /actions\.x\[0\]\.variations/,
    ],
    [
      'flagsmith',
      { format: 'flagsmith', url: 'http://f', token: { value: 't' }, environment: 'e' },
      /actions\.x\[0\]\.variant/,
    ],
  ] as const)('stops an advance to %s without the field it needs', async (_name, target, message) => {
    const record = await run(advanceEvent, target);
    expect(record.outcome).toBe('stopped');
    expect(record.error).toMatch(message);
  });

  it('keeps credentials out of the record of a failed attempt, even when the receiver echoes them', async () => {
    for (const target of [targets(receiver.url).pagerduty, targets(receiver.url).unleash]) {
      const record = await run(rollbackEvent, target);
      expect(record.outcome).toBe('retry');
      expect(record.responseExcerpt.length).toBeGreaterThan(0);
      const stored = JSON.stringify(record);
      expect(stored).not.toContain(routingKey);
      expect(stored).not.toContain(token);
    }
  });

  it('keeps the Slack webhook path (its credential) out of the record', async () => {
    const record = await run(rollbackEvent, {
      format: 'slack',
      url: `${receiver.url}/services/T0/B0/SeCrEtPaTh`,
    });
    expect(record.outcome).toBe('retry');
    expect(JSON.stringify(record)).not.toContain('SeCrEtPaTh');
  });
});

describe('nextStep', () => {
  const base: AttemptRecord = { at: 0, latencyMs: 5, responseExcerpt: '', outcome: 'retry' };
  const t0 = Date.parse('2026-11-21T10:00:00Z');
  const day = 24 * 60 * 60_000;

  it.each([
    [{ ...base, outcome: 'delivered' }, 1, 0, { outcome: 'delivered' }],
    [{ ...base, outcome: 'stopped' }, 1, 0, { outcome: 'stopped' }],
    [{ ...base, outcome: 'skipped' }, 1, 0, { outcome: 'skipped' }],
    [base, 1, 0, { outcome: 'retry', delayMs: 500 }],
    [{ ...base, retryAfterMs: 90_000 }, 1, 0, { outcome: 'retry', delayMs: 90_000 }],
    [base, 40, day, { outcome: 'gave-up' }],
    [{ ...base, retryAfterMs: 2 * day }, 1, 0, { outcome: 'gave-up' }],
  ] as const)('%#', (record, attempt, elapsed, expected) => {
    expect(nextStep(record as AttemptRecord, attempt, t0, t0 + elapsed, () => 0)).toEqual(expected);
  });
});
