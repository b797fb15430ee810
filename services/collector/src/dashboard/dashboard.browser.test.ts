import { readFileSync } from 'node:fs';
import { operate } from '@rollout-guard/shared/store';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiTestApp } from '../api/api-test-kit.ts';
import { specYaml, TOKENS } from '../api/api-test-kit.ts';
import {
  addCounter,
  apply,
  type DashboardFixture,
  measured,
  startDashboard,
  useToken as typeToken,
  waitForText as waitOn,
} from './dashboard-browser-kit.ts';

/**
 * The dashboard in Debian's Chromium, on a real collector app and a real Redis: the page's own script
 * fetches the API with the token typed into it, as a user's browser does.
 */
describe('the dashboard in a browser', () => {
  let fixture: DashboardFixture;
  let api: ApiTestApp;
  let page: Page;
  let base: string;
  let start: number;

  const waitForText = (selector: string, text: string | RegExp) => waitOn(page, selector, text);
  const useToken = (token: string) => typeToken(page, token);

  beforeAll(async () => {
    fixture = await startDashboard({ width: 1400, height: 1000 });
    ({ api, page, base, start } = fixture);
  }, 120_000);

  afterAll(() => fixture?.close());

  it('asks for a token, says when one is refused, and shows nothing without one', async () => {
    await page.goto(`${base}/?refresh=1`);
    await waitForText('#status', 'Token needed');
    await waitForText('#auth-message', 'needs a token with the read scope');
    expect(await page.locator('#rollouts').count()).toBe(0);
    expect(await page.content()).not.toContain('checkout-v2');

    await useToken('not-a-token-of-this-collector');
    await waitForText('#status', 'Token refused');
    await waitForText('#auth-message', 'The token was refused');

    await useToken(TOKENS.ingester);
    await waitForText('#status', 'Token lacks the read scope');
    expect(await page.content()).not.toContain('checkout-v2');
  }, 60_000);

  it('lists the rollouts with their phase, wave, bake and each check’s latest value and interval', async () => {
    await useToken(TOKENS.reader);
    await waitForText('#status', 'Updated');
    expect(await page.locator('#auth').isHidden()).toBe(true);
    const row = page.locator('#rollouts tr[data-rollout="checkout-v2"]');
    await row.waitFor();
    expect(await row.locator('[data-state="wave"]').count()).toBe(1);
    expect(await row.textContent()).toContain('1 of 3 · 25%');
    expect(await row.locator('progress').count()).toBe(1);
    const errorRate = row.locator('li[data-check="error-rate"]');
    expect(await errorRate.locator('[data-state="ok"]').count()).toBe(1);
    expect(await errorRate.locator('[data-role="value"]').textContent()).toBe('0.02 [0.0171, 0.0233]');
    expect(await errorRate.textContent()).toContain('allowed max 0.03');
    // The rollout that waits for an approval is called out above the table.
    await waitForText('#attention li[data-rollout="pricing-page"]', 'awaiting approval');
    expect(await page.locator('#rollouts tr[data-rollout="pricing-page"].attention').count()).toBe(1);
    expect(await page.locator('#attention li[data-rollout="checkout-v2"]').count()).toBe(0);

    // A rollout in shadow mode says so on its row; a check in shadow mode on its line.
    const shadowRollout = specYaml('shadow-run').replace('spec:\n', 'spec:\n  mode: shadow\n');
    const shadowCheck = specYaml('shadow-check').replace(
      '- name: error-rate\n',
      '- name: error-rate\n      mode: shadow\n',
    );
    for (const [name, body] of [
      ['shadow-run', shadowRollout],
      ['shadow-check', shadowCheck],
    ] as const) {
      const put = await api.call('PUT', `/api/v1/rollouts/${name}`, { body, type: 'application/yaml' });
      expect(put.status, await put.text()).toBe(201);
    }
    await waitForText(
      '#rollouts tr[data-rollout="shadow-run"] td[data-label="Phase"] [data-state="shadow"]',
      'shadow',
    );
    await waitForText(
      '#rollouts tr[data-rollout="shadow-check"] li[data-check="error-rate"] [data-state="shadow"]',
      'shadow',
    );
    expect(
      await page
        .locator('#rollouts tr[data-rollout="shadow-check"] td[data-label="Phase"] [data-state="shadow"]')
        .count(),
    ).toBe(0);
    expect(
      await page
        .locator('#rollouts tr[data-rollout="shadow-check"] li[data-check="latency"] [data-state="shadow"]')
        .count(),
    ).toBe(0);
  }, 60_000);

  it('shows a rollout’s checks with a chart each, then follows new data and a rollback as they happen', async () => {
    await page.locator('#rollouts a[href="#/rollouts/checkout-v2"]').first().click();
    await page.locator('#rollout[data-rollout="checkout-v2"]').waitFor();
    await waitForText('#checks tr[data-check="error-rate"] [data-role="value"]', '0.02 [0.0171, 0.0233]');
    // On-call: the owner and runbook in the facts and on each check, and what each check was judged by.
    await waitForText('#rollout dl.facts', 'checkout-v2-oncall');
    expect(await page.locator('#runbook').getAttribute('href')).toBe('https://runbooks.internal/checkout-v2');
    const errorRow = page.locator('#checks tr[data-check="error-rate"]');
    expect(await errorRow.locator('.oncall a').getAttribute('href')).toBe(
      'https://runbooks.internal/checkout-v2#errors',
    );
    expect(await errorRow.locator('.oncall').textContent()).toBe('owner checkout-v2-oncall · runbook');
    expect(await errorRow.locator('[data-judged-by]').textContent()).toBe('by interval');
    const chart = page.locator('#charts figure[data-check="error-rate"]');
    await chart.locator('.uplot canvas').waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await chart.locator('.u-legend').textContent()).toContain('allowed max 0.03');
    await page.locator('#charts figure[data-check="latency"] .uplot').waitFor();
    await waitForText('#timeline li', 'advance');

    // The guardrail is breached: the evaluator's rollback decision and its webhook delivery appear.
    const now = Date.now();
    for (let m = 0; m < 2; m++) await addCounter(api, 'checkout-v2', 'errors_total', now - m * 1000, 400);
    const result = await apply(
      api,
      'checkout-v2',
      { type: 'evaluation', measurements: { 'error-rate': measured(0.041, [0.036, 0.046], start, now) } },
      now,
    );
    const rollback = result.decisions.find((d) => d.kind === 'rollback');
    expect(rollback).toBeDefined();
    await api.deps.deliveries.open(
      {
        kind: 'deliver',
        id: `${rollback!.id}.rollback.0`,
        rollout: 'checkout-v2',
        decisionId: rollback!.id,
        webhook: 'rollout.rollback',
        action: 'rollback',
        targetIndex: 0,
        specVersion: 1,
        createdAt: now,
      },
      { format: 'standard', destination: '127.0.0.1:9' },
    );

    await waitForText('#rollout h1 [data-state]', 'rolled-back');
    await waitForText('#checks tr[data-check="error-rate"] [data-role="value"]', '0.041 [0.036, 0.046]');
    await waitForText('#checks tr[data-check="error-rate"]', 'breached');
    await waitForText(`#timeline li[data-decision="${rollback!.id}"]`, 'rollback');
    await waitForText(`#deliveries tr[data-delivery="${rollback!.id}.rollback.0"]`, 'rollout.rollback');
    // The timeline tells the story: the spec stored, who started it and why, the rollback the evaluation
    // decided with the webhook delivery it caused, newest first.
    const item = page.locator(`#timeline li[data-decision="${rollback!.id}"]`);
    expect(await item.locator(`[data-delivery="${rollback!.id}.rollback.0"]`).textContent()).toContain(
      'rollout.rollback → standard 127.0.0.1:9',
    );
    const kinds = await page
      .locator('#timeline > li')
      .evaluateAll((items) =>
        items.map((li) => `${li.getAttribute('data-kind')}:${li.getAttribute('data-action')}`),
      );
    expect(kinds.at(0)).toBe('transition:evaluation');
    expect(kinds).toEqual(expect.arrayContaining(['transition:start', 'created:spec-stored']));
    await waitForText('#timeline li[data-action="start"]', 'start by ana');
    await waitForText('#timeline li[data-action="start"] .reason', '“wave 1”');

    // Its report, the collector's HTML decision report, opens from the timeline.
    await page.locator(`#timeline li[data-decision="${rollback!.id}"] a[data-link="report"]`).click();
    const report = page.frameLocator('#report iframe');
    await report.locator('body').filter({ hasText: 'error-rate' }).waitFor();
    expect(await report.locator('body').textContent()).toContain('0.041');
  }, 60_000);

  it('marks a decision taken in shadow mode in the timeline', async () => {
    // shadow-run (stored in shadow mode by the list test) breaches its guardrail: recorded, marked shadow.
    await operate(api.deps.store, 'shadow-run', 'start', 'ana', 'trying the limits', Date.now() - 60_000);
    const result = await apply(
      api,
      'shadow-run',
      {
        type: 'evaluation',
        measurements: { 'error-rate': measured(0.041, [0.036, 0.046], Date.now() - 60_000, Date.now()) },
      },
      Date.now(),
    );
    const decision = result.decisions.find((d) => d.kind === 'rollback');
    expect(decision?.shadow).toBe(true);
    await page.goto(`${base}/?refresh=1#/rollouts/shadow-run`);
    await waitForText(`#timeline .decision[data-decision="${decision!.id}"] [data-state="shadow"]`, 'shadow');
    await waitForText('#rollout h1 [data-state="shadow"]', 'shadow');
  }, 60_000);

  it('downloads the evidence pack of a checkpoint decision from the timeline, with the token', async () => {
    await page.goto(`${base}/?refresh=1#/rollouts/pricing-page`);
    const verdict = page.locator('#timeline .decision', { hasText: 'verdict' }).first();
    await verdict.waitFor();
    for (const [extension, content] of [
      ['html', '<html'],
      ['json', '"decision"'],
    ] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        verdict.locator(`button[data-evidence="${extension}"]`).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(
        new RegExp(`^pricing-page-dec_[0-9a-f]+-evidence\\.${extension}$`),
      );
      const path = await download.path();
      expect(readFileSync(path, 'utf8')).toContain(content);
    }
  }, 60_000);

  it('disables every action, saying why, when the token only reads', async () => {
    await page.goto(`${base}/?refresh=1#/rollouts/pricing-page`);
    await waitForText('#attention', 'awaiting approval');
    const approve = page.locator('#actions button[data-action="approve"]');
    await approve.waitFor();
    expect(await approve.isDisabled()).toBe(true);
    expect(await approve.getAttribute('title')).toContain('operate scope');
    // The banner's own button too, and every other action the phase allows.
    expect(await page.locator('#attention button[data-action="approve"]').isDisabled()).toBe(true);
    const actions = await page
      .locator('#actions button')
      .evaluateAll((buttons) =>
        buttons.map((b) => [b.getAttribute('data-action'), (b as { disabled?: boolean }).disabled]),
      );
    expect(actions).toEqual([
      ['approve', true],
      ['pause', true],
      ['rollback', true],
      ['abort', true],
    ]);
    await waitForText(
      '#actions-note',
      'Actions need a token with the operate scope; token “reader” has read',
    );
    const view = await (await api.call('GET', '/api/v1/rollouts/pricing-page', { token: 'reader' })).json();
    expect((view as { phase: string }).phase).toBe('awaiting-approval');
  }, 60_000);

  it('offers resume and rollback in the no-go banner, and resumes from there', async () => {
    const operator = await page
      .context()
      .browser()!
      .newPage({ viewport: { width: 1400, height: 1000 } });
    await operator.goto(`${base}/?refresh=1#/rollouts/search-v2`);
    await typeToken(operator, TOKENS.operator);
    await waitOn(operator, '#attention', 'no-go at the wave 1 checkpoint: holding at 25% — resume re-bakes');
    const banner = operator.locator('#attention');
    expect(
      await banner.locator('button').evaluateAll((b) => b.map((x) => x.getAttribute('data-action'))),
    ).toEqual(['resume', 'rollback']);
    await banner.locator('button[data-action="resume"]').click();
    await waitOn(operator, '#action-effect', 'Bakes wave 1 again from the start, at 25% of traffic');
    await operator.locator('#action-reason').fill('latency fix deployed');
    await operator.locator('#action-confirm').fill('search-v2');
    await operator.locator('#action-submit').click();
    await waitOn(operator, '#rollout h1 [data-state]', /^wave$/);
    expect(await operator.locator('#attention').count()).toBe(0);
    const resumed = (await api.deps.store.readAudit('search-v2')).at(-1);
    expect(resumed).toMatchObject({
      actor: 'operator',
      event: { type: 'resume', reason: 'latency fix deployed' },
    });
    await operator.close();
  }, 60_000);

  it('says the API is unreachable when the collector stops answering', async () => {
    await waitForText('#status', 'Updated');
    await fixture.stopHttp();
    await waitForText('#status[data-kind="error"]', 'API unreachable');
    // The last data stays on the page.
    expect(await page.locator('#rollout[data-rollout="pricing-page"]').count()).toBe(1);
  }, 60_000);
});
