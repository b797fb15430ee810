import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedis, type RedisClient } from '@rollout-guard/shared/redis';
import { createRolloutStore } from '@rollout-guard/shared/store';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../../scripts/demo/receiver.ts';
import { type Stack, startStack } from '../../scripts/demo/stack.ts';
import {
  launchChromium,
  screenshot,
  useToken,
  WAIT,
  waitForText,
} from '../../services/collector/src/dashboard/dashboard-browser-kit.ts';
import { startReceiver, type TestReceiver } from '../../services/evaluator/src/delivery/test-receiver.ts';

/**
 * Every operator action from the dashboard, in Chromium, against the whole system as it runs (Redis, the
 * collector and the evaluator as processes): each succeeds and its effect is seen — the phase changes on
 * the page, the rollback webhook reaches a real receiver, signed, and again when redelivered — and each
 * reason is in the audit log under the token's name.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const OPERATOR = 'operator-secret-0123456789';
const VIEWER = 'viewer-secret-0123456789';
const ADMIN = 'admin-secret-0123456789';

function spec(name: string, waves: string, receiverUrl: string): string {
  return `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  flag: ${name}-flag
  waves: ${waves}
  guardrails:
    - name: error-rate
      metric: { ratio: { numerator: errors_total, denominator: requests_total } }
      allowed: { max: 0.03 }
  actions:
    rollback: [{ url: "${receiverUrl}/rollback", secret: "env:ROLLBACK_SECRET" }]
`;
}

describe('operator actions from the dashboard, on the running system', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-e2e-actions-'));
  const secret = newWebhookSecret();
  let receiver: TestReceiver;
  let stack: Stack;
  let redis: RedisClient;
  let browser: Browser;
  let page: Page;

  const rollbacks = () => receiver.requests.filter((r) => r.path === '/rollback');

  async function put(name: string, waves: string) {
    const res = await fetch(`${stack.collectorUrl}/api/v1/rollouts/${name}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/yaml' },
      body: spec(name, waves, receiver.url),
    });
    expect(res.status, await res.text()).toBe(201);
  }

  /** Opens an action's dialog from `button`, gives the reason, confirms with the name when asked, sends. */
  async function act(button: string, reason: string, confirmWord: string | null) {
    await page.locator(button).click();
    const dialog = page.locator('#action-dialog');
    await dialog.waitFor({ state: 'visible' });
    await page.locator('#action-reason').fill(reason);
    const submit = page.locator('#action-submit');
    if (confirmWord !== null) {
      // Acting on production needs the rollout's name typed: until then the button stays disabled.
      expect(await submit.isDisabled()).toBe(true);
      await page.locator('#action-confirm').fill(confirmWord);
    } else {
      expect(await page.locator('#action-confirm').isVisible()).toBe(false);
    }
    await submit.click();
    await dialog.waitFor({ state: 'hidden' });
  }

  const phase = (state: string) => waitForText(page, '#rollout h1 [data-state]', new RegExp(`^${state}$`));

  beforeAll(async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    stack = await startStack({
      root,
      dataDir,
      collectorPort: 0,
      env: {
        LOG_LEVEL: 'warn',
        ROLLOUT_GUARD_TOKENS: `ops:operate+read:${OPERATOR},viewer:read:${VIEWER},admin:admin+read:${ADMIN}`,
        ROLLBACK_SECRET: secret,
        SPEC_ENV_ALLOWED: 'ROLLBACK_SECRET',
        EGRESS_ALLOW_LOOPBACK: 'true',
        TICK_MS: '500',
      },
    });
    redis = createRedis(stack.redisUrl, { role: 'producer' });
    await put('pricing-page', '[{ percent: 25, bake: 1h }, { percent: 100, bake: 1h }]');
    await put('search-v2', '[{ percent: 50, bake: 1s }, { percent: 100, bake: 1h }]');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(WAIT);
    await page.goto(`${stack.collectorUrl}/?refresh=1#/rollouts/pricing-page`);
    await useToken(page, OPERATOR);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    redis?.disconnect();
    await stack?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, pauses, resumes and rolls back; the rollback webhook reaches the receiver, and again on redelivery', async () => {
    await phase('pending');
    await act(
      '#actions button[data-action="start"]',
      'pricing experiment approved by the board',
      'pricing-page',
    );
    await phase('wave');
    await waitForText(page, '#action-result', 'Start done by ops: now wave, wave 1');

    await act('#actions button[data-action="pause"]', 'holding over the weekend', null);
    await phase('paused');
    await waitForText(page, '#attention', 'paused (operator)');

    // The banner offers what it says: resume, from right there.
    await act('#attention button[data-action="resume"]', 'back on Monday', 'pricing-page');
    await phase('wave');

    expect(rollbacks()).toHaveLength(0);
    await screenshot(page, 'actions-before-rollback');
    await act(
      '#actions button[data-action="rollback"]',
      'checkout errors reported by support',
      'pricing-page',
    );
    await phase('rolled-back');
    await expect.poll(() => rollbacks().length, { timeout: WAIT }).toBe(1);
    const [delivered] = rollbacks();
    const body = new Webhook(secret).verify(delivered!.body, delivered!.headers) as {
      type: string;
      data: { rollout: string; reasons: unknown[] };
    };
    expect(body.type).toBe('rollout.rollback');
    expect(body.data.rollout).toBe('pricing-page');
    // Nothing left to do on a rolled-back rollout.
    expect(await page.locator('#actions').count()).toBe(0);

    // Its delivery ends delivered; redelivering it sends the same webhook (same id) again.
    const row = page.locator('#deliveries tr', { hasText: 'rollout.rollback' });
    await waitForText(page, '#deliveries tr', 'delivered');
    await act(
      `#deliveries tr:has-text("rollout.rollback") button[data-action="redeliver"]`,
      'the flag service lost the first call',
      'pricing-page',
    );
    await waitForText(page, '#action-result', 'Redelivery 1 of rollout.rollback queued');
    await expect.poll(() => rollbacks().length, { timeout: WAIT }).toBe(2);
    expect(rollbacks()[1]?.headers['webhook-id']).toBe(delivered!.headers['webhook-id']);
    await expect
      .poll(async () => (await row.textContent()) ?? '', { timeout: WAIT })
      .toContain('redelivered 1×');
    // The timeline has the whole story, each action with who and why, the rollback with its delivery.
    await waitForText(
      page,
      '#timeline li[data-action="rollback"]',
      'rollback by ops · wave (wave 1) → rolled-back (wave 1)',
    );
    await waitForText(
      page,
      '#timeline li[data-action="rollback"] .reason',
      '“checkout errors reported by support”',
    );
    await waitForText(page, '#timeline li[data-action="rollback"] [data-delivery]', 'delivered');
    await waitForText(page, '#timeline li[data-kind="redelivery"]', 'the flag service lost the first call');
    await waitForText(page, '#timeline li[data-action="pause"] .reason', '“holding over the weekend”');
    await screenshot(page, 'actions-rolled-back');

    const audit = await createRolloutStore(redis).readAudit('pricing-page');
    const said = audit.map((entry) => [
      entry.actor,
      'reason' in entry.event ? entry.event.reason : undefined,
    ]);
    expect(said).toEqual(
      expect.arrayContaining([
        ['ops', 'pricing experiment approved by the board'],
        ['ops', 'holding over the weekend'],
        ['ops', 'back on Monday'],
        ['ops', 'checkout errors reported by support'],
        ['ops', 'the flag service lost the first call'],
      ]),
    );
  }, 120_000);

  it('approves the next wave after a go, then aborts', async () => {
    await page.goto(`${stack.collectorUrl}/?refresh=1#/rollouts/search-v2`);
    await act('#actions button[data-action="start"]', 'search ranking v2 to half the traffic', 'search-v2');
    // A one-second bake and no success criteria: the checkpoint says go, and a human must approve.
    await phase('awaiting-approval');
    await waitForText(page, '#attention', 'awaiting approval');
    await act('#attention button[data-action="approve"]', 'wave 1 looked clean', 'search-v2');
    await phase('wave');
    await waitForText(page, '#rollout .facts', '2 of 2 · 100%');
    await act('#actions button[data-action="abort"]', 'superseded by search v3', 'search-v2');
    await phase('aborted');
    const audit = await createRolloutStore(redis).readAudit('search-v2');
    const reasons = audit.flatMap((entry) => ('reason' in entry.event ? [entry.event.reason] : []));
    expect(reasons).toEqual(expect.arrayContaining(['wave 1 looked clean', 'superseded by search v3']));
  }, 120_000);

  it('shows a token without operate every action disabled, with the reason', async () => {
    const viewer = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await viewer.goto(`${stack.collectorUrl}/?refresh=1#/rollouts/pricing-page`);
    await useToken(viewer, VIEWER);
    await waitForText(viewer, '#deliveries tr', 'rollout.rollback');
    const redeliver = viewer.locator('#deliveries button[data-action="redeliver"]').first();
    expect(await redeliver.isDisabled()).toBe(true);
    expect(await redeliver.getAttribute('title')).toContain('token “viewer” has read');
    await viewer.close();
  }, 60_000);
});
