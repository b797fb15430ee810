import { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { describe, expect, it } from 'vitest';
import type { Decision, Effect } from './decision.ts';
import type { CheckEvidence } from './evidence.ts';
import { judgeGuardrail } from './guardrail.ts';
import { accept, drive, HOUR, startedRollout, T0 } from './machine-fixture.ts';
import { absoluteMeasurement, differenceMeasurement } from './measurement-fixture.ts';
import { guardrailFixture, specFixture } from './spec-fixture.ts';
import { transition } from './transition.ts';
import { evidenceUrl, webhookEvent, webhookReason } from './webhook-event.ts';

const BASE = 'https://rollout-guard.internal/';

function decisionEffects(effects: readonly Effect[]) {
  return effects.flatMap((e) =>
    e.type === 'decision' && e.webhook !== null ? [[e.webhook, e.decision] as const] : [],
  );
}

describe('webhookEvent', () => {
  it('turns a guardrail rollback into the body of PRODUCT.md §3, valid against the webhook schema', () => {
    const state = startedRollout(specFixture());
    const breach = accept(
      transition(
        state,
        {
          type: 'evaluation',
          measurements: { 'compliance-errors': absoluteMeasurement(0.05, 5120, [0.044, 0.056]) },
        },
        T0 + 60_123,
      ),
    );
    const [[webhook, decision]] = decisionEffects(breach.effects) as [['rollout.rollback', Decision]];
    const body = webhookEvent(webhook, decision, BASE);
    expect(WebhookEvent.parse(body)).toEqual(body);
    expect(body).toEqual({
      type: 'rollout.rollback',
      timestamp: '2026-11-21T10:01:00.123Z',
      data: {
        decisionId: decision.id,
        rollout: 'contact-center-copilot',
        flag: 'copilot-assist',
        specVersion: 3,
        wave: { index: 1, percent: 25 },
        verdict: 'rollback',
        reasons: [
          {
            check: 'compliance-errors',
            value: 0.05,
            interval: [0.044, 0.056],
            allowed: { max: 0.04 },
            samples: { treatment: 5120, control: 0 },
            window: 'wave',
            judgedBy: 'interval',
            explanation:
              'the whole interval [0.044, 0.056] lies above max 0.04 of allowedByWave.25, 1 evaluation(s) in a row (1 needed)',
          },
        ],
        evidenceUrl: `https://rollout-guard.internal/api/v1/rollouts/contact-center-copilot/decisions/${decision.id}`,
        summary: decision.reason,
      },
    });
  });

  it('maps every webhook a whole rollout sends to a valid body', () => {
    const state = startedRollout(specFixture({ approval: 'auto' }));
    const csat = {
      type: 'checkpoint',
      measurements: { csat: differenceMeasurement('absolute', [-0.5, 0.4]) },
    } as const;
    const run = drive(state, [
      [{ type: 'pause', actor: 'ana' }, T0 + 1_000],
      [{ type: 'resume', actor: 'ana' }, T0 + 2_000],
      [{ type: 'bake-elapsed' }, T0 + HOUR + 1_000],
      [csat, T0 + HOUR + 1_000],
      [{ type: 'bake-elapsed' }, T0 + 2 * HOUR + 1_000],
      [csat, T0 + 2 * HOUR + 1_000],
      [{ type: 'bake-elapsed' }, T0 + 3 * HOUR + 1_000],
      [csat, T0 + 3 * HOUR + 1_000],
    ]);
    const sent = run.steps.flatMap((s) => decisionEffects(s.effects));
    expect(sent.map(([w]) => w)).toEqual([
      'rollout.paused',
      'rollout.resolved',
      'rollout.verdict',
      'rollout.advance',
      'rollout.verdict',
      'rollout.advance',
      'rollout.verdict',
      'rollout.completed',
    ]);
    for (const [webhook, decision] of sent) {
      const body = webhookEvent(webhook, decision, BASE);
      expect(WebhookEvent.parse(body)).toEqual(body);
    }
    const advance = webhookEvent(sent[3]![0], sent[3]![1], BASE);
    expect(advance.data).toMatchObject({ verdict: 'advance', wave: { index: 2, percent: 50 } });
    const verdict = webhookEvent(sent[2]![0], sent[2]![1], BASE);
    const resolved = webhookEvent(sent[1]![0], sent[1]![1], BASE);
    expect(resolved.data).toMatchObject({ verdict: 'resolved', resolves: 'rollout', wave: { index: 1 } });
    expect(verdict.data.verdict).toBe('go');
    expect(verdict.data.reasons[0]).toMatchObject({
      check: 'csat',
      value: expect.closeTo(-0.05, 12),
      interval: [-0.5, 0.4],
      allowed: { min: -1 },
      samples: { treatment: 1000, control: 1000 },
    });
  });

  it('refuses to send a non-verdict decision as rollout.verdict', () => {
    const state = startedRollout(specFixture());
    const paused = accept(transition(state, { type: 'pause', actor: 'ana' }, T0 + 1_000));
    const [[, decision]] = decisionEffects(paused.effects) as [[string, Decision]];
    expect(() => webhookEvent('rollout.verdict', decision, BASE)).toThrow(/is a paused, not a go \/ no-go/);
  });
});

describe('webhookReason', () => {
  function evidenceFor(allowed: { min?: number | string; max?: number | string }): CheckEvidence {
    const rule = guardrailFixture({ compare: 'control', allowed, window: '1h' });
    const measurement = {
      ...differenceMeasurement('relative', [0.06, 0.1]),
      difference: {
        relative: { estimate: 0.08, interval: [0.06, 0.1] as const },
        absolute: { estimate: 0.4, interval: [0.3, 0.5] as const },
      },
    };
    return judgeGuardrail(rule, { percent: 25, minSamples: 100 }, measurement, 0).evidence;
  }

  it('reports a relative check in the units of its limit: a fraction of the reference', () => {
    expect(webhookReason(evidenceFor({ max: '+5%' }))).toMatchObject({
      value: 0.08,
      interval: [0.06, 0.1],
      allowed: { max: '+5%' },
      window: '1h',
    });
  });

  it('reports a bare-number limit with the absolute difference', () => {
    expect(webhookReason(evidenceFor({ max: 0.2 }))).toMatchObject({ value: 0.4, interval: [0.3, 0.5] });
  });
});

describe('evidenceUrl', () => {
  it('joins without doubling slashes', () => {
    expect(evidenceUrl('http://localhost:4318/', { rollout: 'a-b', id: 'dec_1' })).toBe(
      'http://localhost:4318/api/v1/rollouts/a-b/decisions/dec_1',
    );
  });
});
