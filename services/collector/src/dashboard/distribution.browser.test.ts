import type { Measurement } from '@rollout-guard/shared/decision';
import { operate } from '@rollout-guard/shared/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../api/api-test-kit.ts';
import {
  apply,
  type DashboardFixture,
  startDashboard,
  useToken,
  waitForText,
} from './dashboard-browser-kit.ts';

// A distribution guardrail on the rollout page, in Debian's Chromium: both distributions overlaid and the
// largest difference marked, from the check's latest evidence.

const spec = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: shape-check }
spec:
  flag: shape
  guardrails:
    - { name: latency-shape, metric: latency_seconds, aggregate: distribution, compare: control, tolerance: 0.05 }
  actions:
    rollback: [{ url: "https://flags.example/rollback" }]
`;

const points = [0.1, 0.2, 0.4, 0.8].map((boundary, i) => {
  const treatment = [0.2, 0.5, 0.85, 0.97][i]!;
  const reference = [0.1, 0.5, 0.9, 0.99][i]!;
  const difference = treatment - reference;
  return { boundary, treatment, reference, difference, lower: difference - 0.02, upper: difference + 0.02 };
});

describe('a distribution check on the dashboard', () => {
  let fixture: DashboardFixture;

  beforeAll(async () => {
    fixture = await startDashboard({ width: 1400, height: 1000 });
    const { api } = fixture;
    await api.call('PUT', '/api/v1/rollouts/shape-check', { body: spec, type: 'application/yaml' });
    const began = Date.now() - 600_000;
    await operate(api.deps.store, 'shape-check', 'start', 'ana', 'wave 1', began);
    const measurement = {
      window: { from: began, to: Date.now(), label: 'wave' },
      confidence: 0.95,
      treatment: { samples: 5000, value: 0.2 },
      reference: { samples: 5000, value: 0.2 },
      referenceKind: 'control',
      difference: { absolute: { estimate: 0.1, interval: [0.08, 0.12] } },
      distribution: { points, widest: 0, alphaPerBoundary: 0.0125 },
    } as Measurement;
    await apply(
      api,
      'shape-check',
      { type: 'evaluation', measurements: { 'latency-shape': measurement } },
      Date.now(),
    );
  }, 120_000);

  afterAll(() => fixture?.close());

  it('draws both distributions overlaid and marks where they differ most', async () => {
    const { page, base } = fixture;
    await page.goto(`${base}/?refresh=1#/rollouts/shape-check`);
    await useToken(page, TOKENS.reader);
    const figure = page.locator('#charts figure[data-check="latency-shape"] [data-chart="distribution"]');
    await figure.waitFor();
    expect(await figure.locator('polyline').count()).toBe(2);
    expect(await figure.locator('[data-series="widest"]').count()).toBe(1);
    await waitForText(
      page,
      '#charts figure[data-check="latency-shape"] [data-chart="distribution"] p',
      /10 points at 0\.1 \[8, 12\]/,
    );
  }, 60_000);
});
