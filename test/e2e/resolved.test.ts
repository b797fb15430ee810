import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCENARIO } from '../../scripts/demo/scenario.ts';
import type { Traffic } from '../../scripts/demo/traffic.ts';
import {
  startAlertmanager,
  type TestAlertmanager,
} from '../../services/evaluator/src/delivery/alertmanager-server.ts';
import {
  type PagerDutyServer,
  startPagerDuty,
} from '../../services/evaluator/src/delivery/vendor-test-servers.ts';
import { useSystem } from './e2e-kit.ts';

// rollout.resolved end to end: seeded contact-center traffic through the real collector and evaluator, the
// alerts delivered to PagerDuty's Events API v2 (the schema-enforcing test server) and into a real
// Alertmanager's API v2 (Debian's prometheus-alertmanager). A breach opens one PagerDuty incident and one
// Alertmanager alert per rollout and check; the resolving event closes the same ones, whichever way the
// alert ends: the guardrail back within its limit, or the rollout ending (an operator aborts it).
//
// The margins make the outcome certain rather than likely: the regressed treatment fails 15 % of contacts
// against a 3 % limit (breached within seconds at 100 contacts/s), the healthy one 1 % (a third of the
// limit), and a 20 s trailing window holds only healthy contacts within half a minute of the fix.

const ROUTING_KEY = 'R0LL0UTGUARDE2E0000000000000RESV';

const spec = (
  name: string,
  flag: string,
  urls: { receiver: string; pagerduty: string; alertmanager: string },
) =>
  `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  flag: ${flag}
  match: { service.name: contact-center }
  waves:
    - { percent: 50, bake: 1h }
    - { percent: 100, bake: 1h }
  guardrails:
    - name: compliance-errors
      metric: { ratio: { numerator: compliance_errors_total, denominator: contacts_total } }
      allowed: { max: 0.03 }
      window: 20s
      onBreach: alert
  actions:
    alert:
      - { url: "${urls.receiver}/alert", secret: "env:ROLLBACK_SECRET" }
      - { format: pagerduty, url: "${urls.pagerduty}/v2/enqueue", routingKey: "${ROUTING_KEY}" }
      - { format: alertmanager-v2, url: "${urls.alertmanager}" }
`;

const dedupKey = (rollout: string, check: string) => `rollout-guard/${rollout}/${check}`;
const within = { timeout: 90_000, interval: 500 };

let pagerduty: PagerDutyServer;
let alertmanager: TestAlertmanager;
beforeAll(async () => {
  pagerduty = await startPagerDuty({ routingKey: ROUTING_KEY });
  alertmanager = await startAlertmanager();
}, 90_000);
afterAll(async () => {
  await alertmanager?.stop();
  await pagerduty?.close();
});
const e2e = useSystem();

/** Starts a rollout at 50 % of seeded contact-center traffic whose treatment is regressed. */
function regressedRollout(name: string, flag: string, seed: number): Promise<Traffic> {
  const urls = {
    receiver: e2e.system().receiver.url,
    pagerduty: pagerduty.url,
    alertmanager: alertmanager.url,
  };
  return e2e.startRollout({
    name,
    spec: spec(name, flag, urls),
    flag,
    scenario: { ...DEMO_SCENARIO, contactsPerSecond: 200 },
    seed,
    reason: 'e2e: resolving alerts',
    mode: { treatmentPercent: 50, regressed: true },
  });
}

/** The webhooks of `type` the standard receiver got for `rollout`. */
const received = (type: string, rollout: string) =>
  e2e.system().webhooks.filter((w) => w.type === type && w.body.data.rollout === rollout);

/** PagerDuty events accepted for a dedup_key, in order: their event_action. */
const pagerDutyActions = (key: string) =>
  pagerduty.accepted
    .map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string })
    .filter((e) => e.dedup_key === key)
    .map((e) => e.event_action);

/** Waits until the breach is visible everywhere: the alert webhook, the PagerDuty incident, the Alertmanager alert. */
async function expectOpen(rollout: string, flag: string) {
  await expect.poll(() => received('rollout.alert', rollout).length, within).toBe(1);
  const key = dedupKey(rollout, 'compliance-errors');
  await expect.poll(() => pagerduty.open.has(key), within).toBe(true);
  expect(pagerduty.open.get(key)).toMatchObject({
    event_action: 'trigger',
    payload: {
      severity: 'error',
      source: `rollout-guard/${rollout}`,
      class: 'compliance-errors',
      custom_details: { verdict: 'alert', wave: { index: 1, percent: 50 } },
    },
  });
  await expect
    .poll(async () => (await alertmanager.alerts(`rollout="${rollout}"`)).map((a) => a.labels), within)
    .toEqual([
      {
        alertname: 'RolloutAlert',
        rollout,
        check: 'compliance-errors',
        wave: '1',
        flag,
        severity: 'warning',
      },
    ]);
  const [alert] = await alertmanager.alerts(`rollout="${rollout}"`);
  expect(alert?.status.state).toBe('active');
}

/** Waits until the same incident and alert are closed, and checks nothing else was opened or closed. */
async function expectClosed(rollout: string) {
  const key = dedupKey(rollout, 'compliance-errors');
  await expect.poll(() => pagerduty.open.has(key), within).toBe(false);
  // One trigger, then the resolve with the same dedup_key: the incident that opened is the one that closed.
  expect(pagerDutyActions(key)).toEqual(['trigger', 'resolve']);
  // Alertmanager ended the alert at the resolution's time: it is no longer listed as active.
  await expect.poll(() => alertmanager.alerts(`rollout="${rollout}"`), within).toEqual([]);
}

describe('rollout.resolved through the collector and evaluator into PagerDuty and Alertmanager', () => {
  it('resolves the incident and ends the alert when the guardrail is back within its limit', async () => {
    const flow = await regressedRollout('resolve-recovered', 'copilot-recovers', 41);
    await expectOpen('resolve-recovered', 'copilot-recovers');
    expect(received('rollout.resolved', 'resolve-recovered')).toEqual([]);

    flow.setMode({ regressed: false });
    await expect.poll(() => received('rollout.resolved', 'resolve-recovered').length, within).toBe(1);
    const [resolution] = received('rollout.resolved', 'resolve-recovered');
    expect(resolution?.body.data).toMatchObject({
      verdict: 'resolved',
      resolves: 'checks',
      wave: { index: 1, percent: 50 },
      reasons: [{ check: 'compliance-errors', allowed: { max: 0.03 } }],
    });
    expect(resolution?.body.data.summary).toMatch(
      /^guardrail compliance-errors is back within its limit in wave 1 \(50%\)/,
    );
    await expectClosed('resolve-recovered');
    // The rollout goes on, its guardrail healthy: nothing more was raised.
    expect((await e2e.system().api.rollout('resolve-recovered'))?.phase).toBe('wave');
    expect(received('rollout.alert', 'resolve-recovered')).toHaveLength(1);
  }, 180_000);

  it('resolves the incident and ends the alert when the rollout ends with its guardrail still breached', async () => {
    await regressedRollout('resolve-aborted', 'copilot-aborts', 42);
    await expectOpen('resolve-aborted', 'copilot-aborts');

    await e2e.system().api.act('resolve-aborted', 'abort', 'e2e: abandoning the release');
    await expect.poll(() => received('rollout.resolved', 'resolve-aborted').length, within).toBe(1);
    const [resolution] = received('rollout.resolved', 'resolve-aborted');
    expect(resolution?.body.data).toMatchObject({
      verdict: 'resolved',
      resolves: 'rollout',
      reasons: [{ check: 'compliance-errors' }],
    });
    expect(resolution?.body.data.summary).toMatch(
      /aborted the rollout; guardrail compliance-errors no longer alerting$/,
    );
    await expectClosed('resolve-aborted');
    // Ending the rollout resolves everything it could have raised, by the same keys its triggers use.
    for (const subject of ['checkpoint', 'rollout']) {
      expect(pagerDutyActions(dedupKey('resolve-aborted', subject))).toEqual(['resolve']);
    }
    expect((await e2e.system().api.rollout('resolve-aborted'))?.phase).toBe('aborted');
  }, 180_000);
});
