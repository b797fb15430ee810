import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCENARIO, type Scenario } from '../../scripts/demo/scenario.ts';
import { startTraffic, type Traffic } from '../../scripts/demo/traffic.ts';
import { type E2eSystem, startSystem } from './e2e-kit.ts';

// Long enough for hundreds of evaluations of every guardrail, short enough for CI.
const RUN_MS = 150_000;

/** No real difference: the copilot's cohort draws from exactly the control's distributions. */
const AA: Scenario = {
  ...DEMO_SCENARIO,
  handleSeconds: {
    control: DEMO_SCENARIO.handleSeconds.control,
    treatment: DEMO_SCENARIO.handleSeconds.control,
  },
  complianceErrorRate: { control: 0.02, treatment: 0.02, regressed: 0.02 },
};

const spec = (receiverUrl: string) => `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: copilot-aa }
spec:
  flag: copilot-assist
  match: { service.name: contact-center }
  waves:
    - { percent: 50, bake: 1h }
    - { percent: 100, bake: 1h }
  guardrails:
    - { name: handle-time, metric: contact_handle_time_seconds, aggregate: mean, compare: control, allowed: { max: "+5%" } }
    - name: compliance-errors
      metric: { ratio: { numerator: compliance_errors_total, denominator: contacts_total } }
      compare: control
      allowed: { max: 0.01 }
    - { name: csat, metric: csat_score, aggregate: mean, compare: control, allowed: { min: -0.3 } }
    - { name: latency, metric: copilot_response_seconds, aggregate: p99, allowed: { max: 2 } }
  actions:
    rollback: [{ url: "${receiverUrl}/rollback", secret: "env:ROLLBACK_SECRET" }]
    alert: [{ url: "${receiverUrl}/alert", secret: "env:ROLLBACK_SECRET" }]
`;

interface CheckView {
  name: string;
  state: string;
  samples: { treatment: number; reference: number };
}

let system: E2eSystem;
let traffic: Traffic | undefined;
beforeAll(async () => {
  system = await startSystem();
}, 90_000);
afterAll(async () => {
  await traffic?.stop();
  await system?.stop();
});

describe('A/A: treatment and control draw from the same distributions', () => {
  it(
    'is judged continuously for minutes at realistic limits and never rolls back',
    async () => {
      await system.api.putSpec('copilot-aa', spec(system.receiver.url));
      traffic = startTraffic({
        collectorUrl: system.stack.collectorUrl,
        scenario: AA,
        flag: 'copilot-assist',
        seed: 7,
      });
      await system.api.act('copilot-aa', 'start', 'e2e: A/A');
      traffic.setMode({ treatmentPercent: 50 });

      const states = new Map<string, Set<string>>();
      const until = Date.now() + RUN_MS;
      let last: CheckView[] = [];
      while (Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const view = await system.api.rollout('copilot-aa');
        expect(view?.phase).toBe('wave');
        last = (view?.raw.checks as CheckView[] | undefined) ?? [];
        for (const check of last) {
          const seen = states.get(check.name) ?? new Set<string>();
          seen.add(check.state);
          states.set(check.name, seen);
        }
      }

      expect(system.webhooks.map((w) => w.type)).toEqual([]);
      // Every guardrail was judged on plenty of data, and never found breached.
      expect(last.map((c) => c.name).sort()).toEqual(['compliance-errors', 'csat', 'handle-time', 'latency']);
      for (const check of last) {
        expect(check.state, check.name).toBe('ok');
        expect(check.samples.treatment, check.name).toBeGreaterThan(10_000);
        expect([...(states.get(check.name) ?? [])], check.name).not.toContain('breached');
      }
    },
    RUN_MS + 60_000,
  );
});
