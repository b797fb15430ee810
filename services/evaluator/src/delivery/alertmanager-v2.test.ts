import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type TestAlertmanager } from './alertmanager-server.ts';
import { attemptDelivery } from './attempt.ts';
import { secretResolver } from './secret.ts';
import type { AlertmanagerV2Target } from './targets.ts';
import { alertEvent, goEvent, oncallRollbackEvent, rollbackEvent } from './test-events.ts';

// The alertmanager-v2 format against a real Alertmanager (Debian's prometheus-alertmanager): alerts land
// in its API v2 with rollout, check and wave labels, and rollout.resolved ends them.

const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
let am: TestAlertmanager;
beforeAll(async () => {
  am = await startAlertmanager();
});
afterAll(async () => {
  await am?.stop();
  await egress.close();
});

const deliver = (event: WebhookEvent) =>
  attemptDelivery(
    event,
    { format: 'alertmanager-v2', url: am.url, headers: {} } satisfies AlertmanagerV2Target,
    {
      resolveSecret: secretResolver({}),
      path: 'actions.alert[0]',
      timeoutMs: 2_000,
      egress,
    },
  );

const inRollout = <E extends WebhookEvent>(event: E, rollout: string, checks: string[]): E => ({
  ...event,
  data: {
    ...event.data,
    rollout,
    reasons: checks.map((check) => ({ ...rollbackEvent.data.reasons[0]!, check })),
  },
});
const resolved = (rollout: string, checks: string[], resolves: 'checks' | 'rollout'): WebhookEvent => ({
  type: 'rollout.resolved',
  // Alertmanager ends an alert at endsAt: the resolution is now.
  timestamp: new Date().toISOString(),
  data: { ...inRollout(alertEvent, rollout, checks).data, verdict: 'resolved', resolves },
});
const states = async (rollout: string) =>
  Object.fromEntries((await am.alerts(`rollout="${rollout}"`)).map((a) => [a.labels.check, a.status.state]));
const now = () => new Date().toISOString();

describe('alertmanager-v2 against a real Alertmanager', () => {
  it('posts one alert per check, labelled with rollout, check and wave, carrying the evidence', async () => {
    const event = { ...inRollout(rollbackEvent, 'am-labels', ['compliance-errors']), timestamp: now() };
    expect(await deliver(event)).toMatchObject({ outcome: 'delivered', status: 200 });
    const [alert, ...others] = await am.alerts('rollout="am-labels"');
    expect(others).toEqual([]);
    expect(alert?.labels).toEqual({
      alertname: 'RolloutRolledBack',
      rollout: 'am-labels',
      check: 'compliance-errors',
      wave: '2',
      flag: 'copilot-assist',
      severity: 'critical',
    });
    expect(alert?.annotations).toMatchObject({
      summary: expect.stringContaining('compliance-errors: 0.041 [0.036, 0.046], allowed max 0.03'),
      evidence_url: rollbackEvent.data.evidenceUrl,
      decision_id: rollbackEvent.data.decisionId,
    });
    expect(alert?.status.state).toBe('active');
    // Firing until resolved, not for Alertmanager's default five minutes.
    expect(Date.parse(alert?.endsAt ?? '')).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
  });

  it('labels the owner and annotates runbook_url and the summary, as Alertmanager keeps them', async () => {
    const event = { ...inRollout(oncallRollbackEvent, 'am-oncall', []), timestamp: now() };
    const sent = {
      ...event,
      data: { ...event.data, reasons: oncallRollbackEvent.data.reasons },
    } as WebhookEvent;
    expect(await deliver(sent)).toMatchObject({ outcome: 'delivered', status: 200 });
    const [alert] = await am.alerts('owner="compliance-oncall"');
    expect(alert?.labels).toMatchObject({
      rollout: 'am-oncall',
      check: 'compliance-errors',
      owner: 'compliance-oncall',
    });
    expect(alert?.annotations).toMatchObject({
      summary: 'compliance-errors at 0.041 against max 0.03 in wave 2 (50%)',
      runbook_url: 'https://runbooks.internal/copilot#compliance',
    });
  });

  it('ends the alerts of the resolved checks only, then every alert the rollout raised', async () => {
    await deliver({ ...inRollout(alertEvent, 'am-resolve', ['latency', 'errors']), timestamp: now() });
    await deliver({
      ...inRollout(
        { ...goEvent, data: { ...goEvent.data, verdict: 'no-go' } } as WebhookEvent,
        'am-resolve',
        [],
      ),
      timestamp: now(),
    });
    expect(await states('am-resolve')).toEqual({ latency: 'active', errors: 'active', checkpoint: 'active' });

    expect(await deliver(resolved('am-resolve', ['latency'], 'checks'))).toMatchObject({
      outcome: 'delivered',
    });
    await expect.poll(() => states('am-resolve')).toEqual({ errors: 'active', checkpoint: 'active' });

    expect(await deliver(resolved('am-resolve', [], 'rollout'))).toMatchObject({ outcome: 'delivered' });
    await expect.poll(() => states('am-resolve')).toEqual({});
  });

  it('leaves other rollouts alone, and has nothing to do when nothing is active', async () => {
    await deliver({ ...inRollout(alertEvent, 'am-other', ['latency']), timestamp: now() });
    expect(await deliver(resolved('am-quiet', ['latency'], 'rollout'))).toMatchObject({
      outcome: 'delivered',
      responseExcerpt: 'no matching alert is active',
    });
    expect(await states('am-other')).toEqual({ latency: 'active' });
  });

  it('skips what is no problem', async () => {
    expect(await deliver(goEvent)).toMatchObject({ outcome: 'skipped' });
  });
});
