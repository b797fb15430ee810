import { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { describe, expect, it } from 'vitest';
import type { Decision } from './decision.ts';
import { drive, HOUR, startedRollout, T0 } from './machine-fixture.ts';
import { absoluteMeasurement, differenceMeasurement } from './measurement-fixture.ts';
import { specFixture } from './spec-fixture.ts';
import { webhookEvent } from './webhook-event.ts';

const BASE = 'https://rollout-guard.internal';

const oncallSpec = () =>
  specFixture({
    owner: 'support-platform-oncall',
    runbook: 'https://runbooks.internal/copilot',
    summary:
      '{{check}} {{outcome}} at {{value}} {{interval}} against {{limit}} in wave {{wave}} ({{percent}}%)',
    guardrails: [
      {
        name: 'compliance-errors',
        metric: { ratio: { numerator: 'compliance_errors_total', denominator: 'contacts_total' } },
        allowed: { max: 0.03 },
        allowedByWave: { 25: { max: 0.04 } },
        owner: 'compliance-oncall',
        runbook: 'https://runbooks.internal/copilot#compliance',
        summary: '[{{rollout}}/{{flag}}] {{check}} over {{window}}; page {{owner}}, read {{runbook}}',
      },
    ],
  });

function decisions(run: ReturnType<typeof drive>): Decision[] {
  return run.steps.flatMap((step) =>
    step.effects.flatMap((e) => (e.type === 'decision' ? [e.decision] : [])),
  );
}

describe('owner, runbook and summary in decisions', () => {
  it('writes the check’s own into a rollback, its summary rendered, and the rollout’s into the decision', () => {
    const run = drive(startedRollout(oncallSpec()), [
      [
        {
          type: 'evaluation',
          measurements: { 'compliance-errors': absoluteMeasurement(0.05, 5120, [0.044, 0.056]) },
        },
        T0 + 60_000,
      ],
    ]);
    const rollback = decisions(run).find((d) => d.outcome === 'rollback');
    expect(rollback).toMatchObject({
      owner: 'support-platform-oncall',
      runbook: 'https://runbooks.internal/copilot',
    });
    expect(rollback?.checks[0]).toMatchObject({
      owner: 'compliance-oncall',
      runbook: 'https://runbooks.internal/copilot#compliance',
      summary:
        '[contact-center-copilot/copilot-assist] compliance-errors over wave; page compliance-oncall, read https://runbooks.internal/copilot#compliance',
    });
    const body = webhookEvent('rollout.rollback', rollback!, BASE);
    expect(WebhookEvent.parse(body)).toEqual(body);
    expect(body.data).toMatchObject({
      owner: 'support-platform-oncall',
      runbook: 'https://runbooks.internal/copilot',
    });
    expect(body.data.reasons[0]).toMatchObject({
      owner: 'compliance-oncall',
      runbook: 'https://runbooks.internal/copilot#compliance',
      summary: expect.stringContaining('page compliance-oncall'),
    });
  });

  it('gives a check without its own the rollout’s, in a verdict', () => {
    const run = drive(startedRollout(oncallSpec()), [
      [{ type: 'bake-elapsed' }, T0 + HOUR + 1_000],
      [
        { type: 'checkpoint', measurements: { csat: differenceMeasurement('absolute', [-0.5, 0.4]) } },
        T0 + HOUR + 1_000,
      ],
    ]);
    const verdict = decisions(run).find((d) => d.kind === 'verdict');
    const csat = verdict?.checks.find((c) => c.check === 'csat');
    expect(csat).toMatchObject({
      owner: 'support-platform-oncall',
      runbook: 'https://runbooks.internal/copilot',
    });
    expect(csat?.summary).toMatch(/^csat pass at -0\.05 \[-0\.5, 0\.4\] against min -1 in wave 1 \(25%\)$/);
  });

  it('adds nothing when the spec declares none, so bodies stay as they were', () => {
    const run = drive(startedRollout(specFixture()), [
      [
        {
          type: 'evaluation',
          measurements: { 'compliance-errors': absoluteMeasurement(0.05, 5120, [0.044, 0.056]) },
        },
        T0 + 60_000,
      ],
    ]);
    const rollback = decisions(run).find((d) => d.outcome === 'rollback')!;
    const body = webhookEvent('rollout.rollback', rollback, BASE);
    expect(body.data).not.toHaveProperty('owner');
    expect(body.data).not.toHaveProperty('runbook');
    expect(Object.keys(body.data.reasons[0]!)).not.toContain('summary');
  });
});
