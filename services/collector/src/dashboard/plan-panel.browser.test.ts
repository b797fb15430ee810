import type { RolloutPlan } from '@rollout-guard/shared/plan';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../api/api-test-kit.ts';
import { type DashboardFixture, startDashboard, useToken, waitForText } from './dashboard-browser-kit.ts';
import { duration, number } from './page/format.ts';

/**
 * The plan on a rollout's page, in Debian's Chromium on a real collector app and Redis: the traffic typed
 * into the page is planned by the API, and the page shows per wave and check what the API answered.
 */
describe('a rollout’s plan on its page', () => {
  let fixture: DashboardFixture;
  let page: Page;

  beforeAll(async () => {
    fixture = await startDashboard({ width: 1400, height: 1000 });
    page = fixture.page;
  }, 120_000);

  afterAll(() => fixture?.close());

  async function planFromApi(traffic: number): Promise<RolloutPlan> {
    const res = await fixture.api.call('GET', `/api/v1/rollouts/checkout-v2/plan?traffic=${traffic}`, {
      token: 'reader',
    });
    expect(res.status).toBe(200);
    return (await res.json()) as RolloutPlan;
  }

  async function plan(traffic: string): Promise<void> {
    await page.locator('#plan-traffic').fill(traffic);
    await page.locator('#plan button[type="submit"]').click();
    await page.locator('#plan-table').waitFor();
  }

  it('shows per wave and check the samples and time needed, and the warnings, for the traffic typed', async () => {
    await page.goto(`${fixture.base}/?refresh=1#/rollouts/checkout-v2`);
    await useToken(page, TOKENS.reader);
    await waitForText(page, '#rollout h1', 'checkout-v2');

    await plan('2000');
    const expected = await planFromApi(2000);
    const rows = page.locator('#plan-table tbody tr');
    expect(await rows.count()).toBe(expected.waves.reduce((n, w) => n + w.checks.length, 0));
    const guardrail = expected.waves[0]!.checks.find((c) => c.check === 'error-rate')!;
    const row = page.locator('#plan-table tr[data-wave="1"][data-check="error-rate"]');
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe(`1 (25%, bake ${duration(60 * 60_000)})`);
    expect(cells[2]).toContain('act on a breach of');
    expect(cells[3]).toBe(number(Math.ceil(guardrail.breach!.samples!.treatment)));
    expect(cells[4]).toBe(duration(guardrail.breach!.minutes! * 60_000));
    expect(await page.locator('#plan-warnings li').count()).toBe(expected.warnings.length);

    // At a trickle of traffic the bakes can never be conclusive: the page says so, as the API does.
    await plan('1');
    const trickle = await planFromApi(1);
    expect(trickle.warnings.length).toBeGreaterThan(0);
    await waitForText(page, '#plan-warnings', trickle.warnings[0]!);
    expect(await page.locator('#plan-warnings li').allTextContents()).toEqual(trickle.warnings);
    const verdict = trickle.waves[0]!.checks.find((c) => c.check === 'latency')!.verdict!;
    const latency = page.locator('#plan-table tr[data-wave="1"][data-check="latency"] td');
    expect(await latency.nth(4).textContent()).toBe(
      verdict.minutes === null ? 'never' : duration(verdict.minutes * 60_000),
    );
  }, 90_000);
});
