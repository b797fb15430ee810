import { describe, expect, it } from 'vitest';
import { DEMO_SCENARIO, type Scenario } from '../../scripts/demo/scenario.ts';
import { useSystem } from './e2e-kit.ts';

// Absolute limits through the real collector, evaluator and a webhook receiver: healthy traffic near its
// limits is judged every second for over a minute and never rolled back, while a real regression beside it
// is. The traffic is seeded and the margins are those of STATISTICS.md §5 (no false rollback in 1,000
// simulated hours at two thirds of the limit; a doubled error rate rolled back in ~13 s at 100 requests/s),
// so the outcome does not depend on luck.

const RUN_MS = 75_000;

/** 200 contacts/s, half of them with the copilot: ~100 per cohort, as in the issue that motivated the rule. */
const scenario = (treatmentErrors: number): Scenario => ({
  ...DEMO_SCENARIO,
  contactsPerSecond: 200,
  complianceErrorRate: { control: 0.02, treatment: 0.02, regressed: treatmentErrors },
});

const spec = (name: string, flag: string, receiverUrl: string) => `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  flag: ${flag}
  match: { service.name: contact-center }
  waves:
    - { percent: 50, bake: 1h }
    - { percent: 100, bake: 1h }
  guardrails:
    # the true rate is 2 %: two thirds of the limit
    - name: compliance-errors
      metric: { ratio: { numerator: compliance_errors_total, denominator: contacts_total } }
      allowed: { max: 0.03 }
    # the true mean is 240 s: one standard error of a hundred contacts below the limit
    - { name: handle-time, metric: contact_handle_time_seconds, aggregate: mean, allowed: { max: 250 } }
  actions:
    rollback: [{ url: "${receiverUrl}/rollback", secret: "env:ROLLBACK_SECRET" }]
`;

interface CheckView {
  name: string;
  state: string;
  judgedBy?: string;
  explanation: string | null;
  samples: { treatment: number };
}

const e2e = useSystem();

describe('absolute limits judged by their always-valid interval', () => {
  it(
    'does not roll back healthy traffic near its limits, and rolls back a doubled error rate within a minute',
    async () => {
      const system = e2e.system();
      await e2e.startRollout({
        name: 'near-limit',
        spec: spec('near-limit', 'copilot-near', system.receiver.url),
        flag: 'copilot-near',
        scenario: scenario(0.02),
        seed: 15,
        reason: 'e2e: healthy near the limit',
        mode: { treatmentPercent: 50 },
      });
      await e2e.startRollout({
        name: 'regression',
        spec: spec('regression', 'copilot-regress', system.receiver.url),
        flag: 'copilot-regress',
        scenario: scenario(0.06),
        seed: 16,
        reason: 'e2e: a real regression',
        mode: { treatmentPercent: 50, regressed: true },
      });
      const started = Date.now();

      const rollback = await system.webhook('rollout.rollback', 60_000);
      expect(rollback.body.data).toMatchObject({ rollout: 'regression', verdict: 'rollback' });
      const reason = (rollback.body.data.reasons as Record<string, unknown>[]).find(
        (r) => r.check === 'compliance-errors',
      );
      expect(reason).toMatchObject({ judgedBy: 'interval', allowed: { max: 0.03 } });
      expect(reason?.explanation).toMatch(/^the whole interval \[0\.0\d+, 0\.\d+\] lies above max 0\.03/);
      const [lower] = (reason?.interval ?? [Number.NaN]) as [number, number];
      expect(lower).toBeGreaterThan(0.03);

      const states = new Map<string, Set<string>>();
      let last: CheckView[] = [];
      while (Date.now() < started + RUN_MS) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const view = await system.api.rollout('near-limit');
        expect(view?.phase).toBe('wave');
        last = (view?.raw.checks as CheckView[] | undefined) ?? [];
        for (const check of last)
          states.set(check.name, (states.get(check.name) ?? new Set()).add(check.state));
      }

      expect(system.webhooks.filter((w) => w.body.data.rollout === 'near-limit')).toEqual([]);
      expect(last.map((c) => c.name).sort()).toEqual(['compliance-errors', 'handle-time']);
      for (const check of last) {
        expect(check.state, check.name).toBe('ok');
        expect(check.judgedBy, check.name).toBe('interval');
        expect(check.explanation, check.name).toMatch(/^the whole interval \[.+\] lies at or below max/);
        expect(check.samples.treatment, check.name).toBeGreaterThan(5_000);
        expect([...(states.get(check.name) ?? [])], check.name).not.toContain('breached');
      }
    },
    RUN_MS + 60_000,
  );
});
