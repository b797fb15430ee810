import { describe, expect, it } from 'vitest';
import { DEMO_SCENARIO, type Scenario } from '../../scripts/demo/scenario.ts';
import { useSystem } from './e2e-kit.ts';

// A distribution guardrail through the real collector, evaluator and a webhook receiver. Handle times keep
// their mean (300 s) while the treatment's spread grows from 60 s to 85 s (the variance doubled): the
// distribution check rolls it back, the mean check beside it stays quiet. An A/A rollout beside it, judged
// every second as long, never acts. The traffic is seeded, and the margins are those of STATISTICS.md §3: the
// largest shift in a share is ~8 points against a tolerance of 3, caught within seconds at ~100 contacts/s.

const RUN_MS = 60_000;

const scenario = (treatmentSd: number): Scenario => ({
  ...DEMO_SCENARIO,
  contactsPerSecond: 200,
  handleSeconds: { control: { mean: 300, sd: 60 }, treatment: { mean: 300, sd: treatmentSd } },
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
    - name: handle-time-shape
      metric: contact_handle_time_seconds
      aggregate: distribution
      compare: control
      tolerance: 0.03
    - name: handle-time-mean
      metric: contact_handle_time_seconds
      aggregate: mean
      compare: control
      allowed: { max: "+5%" }
  actions:
    rollback: [{ url: "${receiverUrl}/rollback", secret: "env:ROLLBACK_SECRET" }]
`;

interface CheckView {
  name: string;
  state: string;
  explanation: string | null;
  samples: { treatment: number };
}

const e2e = useSystem();

async function watch(rollout: string, states: Map<string, Set<string>>): Promise<CheckView[]> {
  const view = await e2e.system().api.rollout(rollout);
  const checks = (view?.raw.checks as CheckView[] | undefined) ?? [];
  for (const check of checks) states.set(check.name, (states.get(check.name) ?? new Set()).add(check.state));
  return checks;
}

describe('a distribution guardrail', () => {
  it(
    'rolls back a doubled variance with the same mean, which the mean check misses, and leaves A/A alone',
    async () => {
      const system = e2e.system();
      await e2e.startRollout({
        name: 'wider',
        spec: spec('wider', 'copilot-wider', system.receiver.url),
        flag: 'copilot-wider',
        scenario: scenario(85),
        seed: 21,
        reason: 'e2e: the spread doubles, the mean stays',
        mode: { treatmentPercent: 50 },
      });
      await e2e.startRollout({
        name: 'same',
        spec: spec('same', 'copilot-same', system.receiver.url),
        flag: 'copilot-same',
        scenario: scenario(60),
        seed: 22,
        reason: 'e2e: A/A',
        mode: { treatmentPercent: 50 },
      });
      const started = Date.now();
      const widerStates = new Map<string, Set<string>>();
      const sameStates = new Map<string, Set<string>>();

      const rollback = system.webhook('rollout.rollback', 45_000);
      let rolledBack = false;
      void rollback.then(() => {
        rolledBack = true;
      });
      while (!rolledBack && Date.now() < started + 45_000) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await watch('wider', widerStates);
      }
      const webhook = await rollback;
      expect(webhook.body.data).toMatchObject({ rollout: 'wider', verdict: 'rollback' });
      const reasons = webhook.body.data.reasons as Record<string, unknown>[];
      expect(reasons.map((r) => r.check)).toEqual(['handle-time-shape']);
      const reason = reasons[0]!;
      expect(reason).toMatchObject({ judgedBy: 'interval', allowed: { max: 0.03 } });
      expect(reason.explanation).toMatch(
        /^the whole distance interval \[0\.\d+, 0\.\d+\] lies above tolerance 0\.03; they differ most at \d+/,
      );
      const [lower] = reason.interval as [number, number];
      expect(lower).toBeGreaterThan(0.03);
      const widest = reason.distribution as { boundary: number; treatment: number; reference: number };
      // Twice the variance puts more contacts in both tails: the largest shift sits a standard deviation out.
      expect(Math.abs(widest.boundary - 300)).toBeGreaterThan(30);
      expect(Math.abs(widest.treatment - widest.reference)).toBeGreaterThan(0.03);
      expect([...(widerStates.get('handle-time-mean') ?? [])]).not.toContain('breached');

      const decisionUrl = system.api.decisionUrl('wider', String(webhook.body.data.decisionId));
      const decision = (await (await fetch(`${decisionUrl}?format=json`)).json()) as {
        checks: Record<string, unknown>[];
      };
      const evidence = decision.checks;
      // The rollback names only the check that acted; the mean check was judged beside it all along, quiet.
      expect(evidence.map((c) => c.check)).not.toContain('handle-time-mean');
      expect([...(widerStates.get('handle-time-mean') ?? [])]).toContain('ok');
      const shape = evidence.find((c) => c.check === 'handle-time-shape') as
        | { distribution?: { points: { treatment: number; reference: number }[] } }
        | undefined;
      expect(shape?.distribution?.points.length).toBeGreaterThan(10);
      // The readable report draws both distributions and marks where they differ most.
      const report = await (await fetch(`${decisionUrl}?format=html`)).text();
      expect(report).toContain('data-chart="distribution"');
      expect(report).toMatch(/they differ most at \d+/);

      while (Date.now() < started + RUN_MS) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const checks = await watch('same', sameStates);
        expect((await system.api.rollout('same'))?.phase).toBe('wave');
        if (Date.now() >= started + RUN_MS - 2_000) {
          const shapeView = checks.find((c) => c.name === 'handle-time-shape');
          expect(shapeView?.samples.treatment).toBeGreaterThan(3_000);
          expect(shapeView?.explanation).toMatch(
            // A minute of A/A traffic: quiet, its interval narrowing towards the tolerance (inside it after a few).
            /^the (whole )?distance interval \[0, 0\.\d+\] (straddles|lies at or below) tolerance 0\.03/,
          );
        }
      }
      expect(system.webhooks.filter((w) => w.body.data.rollout === 'same')).toEqual([]);
      for (const [name, states] of sameStates) expect([...states], name).not.toContain('breached');
      expect([...sameStates.keys()].sort()).toEqual(['handle-time-mean', 'handle-time-shape']);
    },
    RUN_MS + 90_000,
  );
});
