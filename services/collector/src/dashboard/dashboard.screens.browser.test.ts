import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../api/api-test-kit.ts';
import {
  type DashboardFixture,
  screenshot,
  startDashboard,
  useToken,
  VIEWPORTS,
  waitForText,
} from './dashboard-browser-kit.ts';

/** Nothing wider than the screen: the page never scrolls sideways. */
async function overflow(page: Page): Promise<number> {
  // A string: this project's types have no DOM (the page's modules have their own tsconfig).
  return Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
}

/** The dashboard on a phone held upright and on a wall display: everything readable, nothing off screen. */
describe.each(Object.entries(VIEWPORTS))('the dashboard on a %s', (screen, viewport) => {
  let fixture: DashboardFixture;
  let page: Page;

  beforeAll(async () => {
    fixture = await startDashboard(viewport);
    page = fixture.page;
    await page.goto(`${fixture.base}/?refresh=1`);
    await useToken(page, TOKENS.operator);
  }, 120_000);

  afterAll(() => fixture?.close());

  it('lists the rollouts within the width of the screen', async () => {
    await waitForText(page, '#rollouts tr[data-rollout="checkout-v2"] li[data-check="error-rate"]', '0.02');
    await waitForText(page, '#attention li[data-rollout="pricing-page"]', 'awaiting approval');
    await screenshot(page, `${screen}-list`);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    // On a phone each rollout is a card whose cells carry their column's name; on the wall, a table.
    const head = page.locator('#rollouts thead');
    expect(await head.isVisible()).toBe(screen === 'wall');
    const row = page.locator('#rollouts tr[data-rollout="checkout-v2"]');
    const box = await row.boundingBox();
    expect(box?.width ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(viewport.width);
  });

  it('shows a rollout’s checks, charts and decisions within the width of the screen', async () => {
    await page.goto(`${fixture.base}/?refresh=1#/rollouts/checkout-v2`);
    await page.locator('#charts figure[data-check="error-rate"] .uplot canvas').waitFor();
    await page.locator('#charts figure[data-check="latency"] .uplot').waitFor();
    await waitForText(
      page,
      '#checks tr[data-check="error-rate"] [data-role="value"]',
      '0.02 [0.0171, 0.0233]',
    );
    await screenshot(page, `${screen}-rollout`);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    const charts = await page.locator('#charts figure').evaluateAll((figures) =>
      figures.map((f) => {
        const r = f.getBoundingClientRect();
        return { top: Math.round(r.top), right: r.right };
      }),
    );
    expect(charts).toHaveLength(2);
    for (const chart of charts) expect(chart.right).toBeLessThanOrEqual(viewport.width);
    // One column of charts on a phone; side by side on the wall.
    const [first, second] = charts;
    if (screen === 'wall') expect(second?.top).toBe(first?.top);
    else expect(second!.top).toBeGreaterThan(first!.top);
  });
});
