import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attemptDelivery, nextStep } from './attempt.ts';
import { PAGERDUTY_DEDUP_KEY_MAX, PAGERDUTY_SUMMARY_MAX } from './formats/pagerduty.ts';
import { secretResolver } from './secret.ts';
import type { PagerDutyTarget } from './targets.ts';
import { alertEvent, goEvent, oncallNoGoEvent, oncallRollbackEvent, rollbackEvent } from './test-events.ts';
import { type PagerDutyServer, startPagerDuty } from './vendor-test-servers.ts';

// The pagerduty format against a server that enforces PagerDuty's Events API v2 schema
// (vendor-apis/pagerduty-events-v2.schema.json) and answers as PagerDuty does: triggers open an alert per
// dedup_key, resolves close it, 429 when throttled.

const routingKey = 'R0UT1NGKEY0123456789abcdefABCDEF';
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
let pd: PagerDutyServer;
beforeAll(async () => {
  pd = await startPagerDuty({ routingKey });
});
beforeEach(() => pd.open.clear());
afterAll(async () => {
  await pd.close();
  await egress.close();
});

const target = (): PagerDutyTarget => ({
  format: 'pagerduty',
  routingKey: { env: 'PD_KEY' },
  url: `${pd.url}/v2/enqueue`,
});
const deliver = (event: WebhookEvent, key = routingKey) =>
  attemptDelivery(event, target(), {
    resolveSecret: secretResolver({ PD_KEY: key, SPEC_ENV_ALLOWED: 'PD_KEY' }),
    path: 'actions.alert[0]',
    timeoutMs: 2_000,
    egress,
  });

const reason = rollbackEvent.data.reasons[0]!;
const withReasons = <E extends WebhookEvent>(event: E, checks: string[]): E => ({
  ...event,
  data: { ...event.data, reasons: checks.map((check) => ({ ...reason, check })) },
});
const resolved = (checks: string[], resolves: 'checks' | 'rollout'): WebhookEvent => ({
  type: 'rollout.resolved',
  timestamp: '2026-11-21T10:05:00.000Z',
  data: {
    ...withReasons(alertEvent, checks).data,
    decisionId: 'dec_01RESOLVED',
    verdict: 'resolved',
    resolves,
  },
});
const key = (subject: string) => `rollout-guard/contact-center-copilot/${subject}`;

describe('pagerduty against the Events API v2', () => {
  it('triggers one alert per breached check, keyed by rollout and check, with the evidence', async () => {
    expect(await deliver(rollbackEvent)).toMatchObject({ outcome: 'delivered', status: 202 });
    expect([...pd.open.keys()]).toEqual([key('compliance-errors')]);
    expect(pd.open.get(key('compliance-errors'))).toEqual({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: key('compliance-errors'),
      payload: {
        summary:
          'Rolled back copilot-assist (rollout contact-center-copilot) in wave 2 (50%): compliance-errors: 0.041 [0.036, 0.046], allowed max 0.03 (5120 treatment / 4980 control, window 1h)',
        source: 'rollout-guard/contact-center-copilot',
        severity: 'critical',
        timestamp: '2026-11-21T10:00:00.123Z',
        component: 'copilot-assist',
        group: 'contact-center-copilot',
        class: 'compliance-errors',
        custom_details: expect.objectContaining({ decisionId: 'dec_01HZX3K9', reasons: [reason] }),
      },
      links: [{ href: rollbackEvent.data.evidenceUrl, text: 'Evidence' }],
      client: 'rollout-guard',
      client_url: rollbackEvent.data.evidenceUrl,
    });
  });

  it("links the runbook first, names the owner and titles the alert with the check's summary", async () => {
    expect(await deliver(oncallRollbackEvent)).toMatchObject({ outcome: 'delivered', status: 202 });
    const trigger = pd.open.get(key('compliance-errors')) as {
      payload: { summary: string; custom_details: Record<string, unknown> };
      links: unknown;
    };
    expect(trigger.payload.summary).toBe('compliance-errors at 0.041 against max 0.03 in wave 2 (50%)');
    expect(trigger.payload.custom_details).toMatchObject({
      owner: 'compliance-oncall',
      runbook: 'https://runbooks.internal/copilot#compliance',
    });
    expect(trigger.links).toEqual([
      { href: 'https://runbooks.internal/copilot#compliance', text: 'Runbook' },
      { href: oncallRollbackEvent.data.evidenceUrl, text: 'Evidence' },
    ]);
  });

  it("links the rollout's runbook where no check is named, and marks a shadow summary", async () => {
    expect(await deliver(oncallNoGoEvent)).toMatchObject({ outcome: 'delivered' });
    expect(pd.open.get(key('checkpoint'))).toMatchObject({
      payload: { custom_details: expect.objectContaining({ owner: 'support-platform-oncall' }) },
      links: [{ href: 'https://runbooks.internal/copilot', text: 'Runbook' }, expect.anything()],
    });
    const shadow = {
      ...oncallRollbackEvent,
      type: 'rollout.alert',
      data: { ...oncallRollbackEvent.data, verdict: 'alert', shadow: true },
    } as WebhookEvent;
    expect(await deliver(shadow)).toMatchObject({ outcome: 'delivered' });
    expect(pd.open.get(key('compliance-errors'))).toMatchObject({
      payload: {
        summary: '[shadow, nothing acted] compliance-errors at 0.041 against max 0.03 in wave 2 (50%)',
      },
    });
  });

  it('keeps a long rendered summary within 1024 characters', async () => {
    const [reason] = oncallRollbackEvent.data.reasons;
    const long = {
      ...oncallRollbackEvent,
      data: {
        ...oncallRollbackEvent.data,
        reasons: [{ ...reason!, summary: 'x'.repeat(1024) }],
        shadow: true,
      },
    } as WebhookEvent;
    expect(await deliver(long)).toMatchObject({ outcome: 'delivered' });
    const trigger = pd.open.get(key('compliance-errors')) as { payload: { summary: string } };
    expect(trigger.payload.summary).toHaveLength(PAGERDUTY_SUMMARY_MAX);
  });

  it('resolves exactly the alerts its triggers opened: per check, or all the rollout raised', async () => {
    await deliver(withReasons(alertEvent, ['latency', 'errors']));
    await deliver({ ...goEvent, data: { ...goEvent.data, verdict: 'no-go' } } as WebhookEvent);
    expect([...pd.open.keys()].sort()).toEqual([key('checkpoint'), key('errors'), key('latency')]);

    expect(await deliver(resolved(['latency'], 'checks'))).toMatchObject({ outcome: 'delivered' });
    expect([...pd.open.keys()].sort()).toEqual([key('checkpoint'), key('errors')]);

    expect(await deliver(resolved(['errors'], 'rollout'))).toMatchObject({ outcome: 'delivered' });
    expect([...pd.open.keys()]).toEqual([]);
  });

  it('sends the same dedup_key on a retry, so PagerDuty keeps one alert', async () => {
    await deliver(rollbackEvent);
    await deliver(rollbackEvent);
    expect(pd.open.size).toBe(1);
  });

  it("keeps summary and dedup_key within PagerDuty's limits", async () => {
    const long = 'a-very-long-check-name-'.repeat(60);
    const record = await deliver(withReasons(rollbackEvent, [long]));
    expect(record.outcome).toBe('delivered');
    const [[dedupKey, trigger]] = [...pd.open.entries()] as [[string, { payload: { summary: string } }]];
    expect(dedupKey.length).toBeLessThanOrEqual(PAGERDUTY_DEDUP_KEY_MAX);
    expect(trigger.payload.summary).toHaveLength(PAGERDUTY_SUMMARY_MAX);
    expect(trigger.payload.summary.endsWith('…')).toBe(true);
    // Stable: the resolve finds the same hashed key.
    await deliver(resolved([long], 'checks'));
    expect(pd.open.size).toBe(0);
  });

  it('skips go verdicts and advances: nothing for on-call to do', async () => {
    expect(await deliver(goEvent)).toMatchObject({ outcome: 'skipped' });
    expect(pd.open.size).toBe(0);
  });

  it('retries when throttled (429) and when PagerDuty refuses the integration key', async () => {
    pd.rateLimit(1);
    const throttled = await deliver(rollbackEvent);
    expect(throttled).toMatchObject({ outcome: 'retry', status: 429 });
    expect(nextStep(throttled, 1, throttled.at, throttled.at, () => 0)).toMatchObject({ outcome: 'retry' });
    expect(await deliver(rollbackEvent)).toMatchObject({ outcome: 'delivered' });

    const refused = await deliver(rollbackEvent, 'X'.repeat(32));
    expect(refused).toMatchObject({ outcome: 'retry', status: 400 });
    expect(refused.responseExcerpt).toContain("'routing_key' is invalid");
    expect(JSON.stringify(refused)).not.toContain('X'.repeat(32));
  });
});
