import { existsSync } from 'node:fs';
import type { Decision } from '@rollout-guard/shared/decision';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidencePack } from './evidence-pack.ts';
import { renderEvidencePack } from './evidence-report.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const at = Date.parse('2026-11-21T11:00:00Z');

const decision: Decision = {
  id: 'dec_50a3d79e66ee9fc2a1b2c3dd68c57226',
  kind: 'verdict',
  outcome: 'go',
  rollout: 'contact-center-copilot',
  flag: 'copilot-assist',
  specVersion: 3,
  wave: { index: 1, percent: 25 },
  actor: { type: 'system' },
  reason: 'go for wave 1 (25%): every success criterion passed and no guardrail is breached',
  at,
  phase: { from: 'checkpoint', to: 'awaiting-approval' },
  shadow: false,
  checks: [],
};

// A pack with what makes a page too wide when it is printed: long ids, a long URL, a long spec line.
const pack: EvidencePack = {
  generatedAt: at + 60_000,
  rollout: decision.rollout,
  decision: { ...decision, checks: [] },
  spec: {
    version: 3,
    createdAt: at - 86_400_000,
    actor: 'release-bot',
    approval: 'manual',
    content: {
      metadata: { name: decision.rollout },
      spec: { flag: 'copilot-assist', match: { 'service.name': 'contact-center-'.repeat(12) } },
    },
  },
  approvals: [
    {
      id: '1-0',
      rollout: decision.rollout,
      at: at + 120_000,
      time: new Date(at + 120_000).toISOString(),
      kind: 'transition',
      action: 'approve',
      actor: 'product-owner',
      reason: 'CAB 2026-11-21 said go',
      summary: 'approve',
      specVersion: 3,
      rev: 9,
      from: { phase: 'awaiting-approval', wave: 1 },
      to: { phase: 'wave', wave: 2 },
      decisions: ['dec_34333185b4c0f03e07b06282020d1ada', 'dec_44333185b4c0f03e07b06282020d1ada'],
      deliveries: [],
      event: {},
    },
  ],
  followingDecisions: [],
  deliveries: [1, 2, 3].map((n) => ({
    id: `dec_34333185b4c0f03e07b06282020d1ada.advance.${n}`,
    rollout: decision.rollout,
    decisionId: 'dec_34333185b4c0f03e07b06282020d1ada',
    webhook: 'rollout.advance',
    action: 'advance',
    targetIndex: n,
    format: 'unleash',
    destination: 'unleash.flags.internal.example.com',
    status: 'delivered' as const,
    attempts: 1,
    createdAt: at,
    lastAttemptAt: at,
    nextAttemptAt: null,
    deliveredAt: at + 80,
    redeliveries: 0,
  })),
};

/** The pack's HTML as Chromium prints it (print media, an A4 page's width at 96 dpi less its margins). */
describe('the evidence pack on paper', () => {
  let browser: Browser;
  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('fits the page width, hides the links meant for the screen, and keeps the sign-off box whole', async () => {
    const page = await browser.newPage({ viewport: { width: 680, height: 960 } });
    await page.setContent(
      renderEvidencePack(pack, decision, {
        json: `/api/v1/rollouts/${'x'.repeat(80)}/evidence.json`,
        rollout: '/r',
      }),
    );
    await page.emulateMedia({ media: 'print' });
    // A string, run in the page: this package is typed for Node, without the DOM's types.
    const layout = await page.evaluate<{
      width: number;
      screenOnly: string[];
      signoff: string;
      headings: string[];
      wide: string[];
    }>(`({
      width: document.documentElement.scrollWidth,
      screenOnly: [...document.querySelectorAll('.noprint')].map((e) => getComputedStyle(e).display),
      signoff: getComputedStyle(document.querySelector('.signoff')).breakInside,
      headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
      wide: [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 680)
        .map((e) => e.tagName + ': ' + e.textContent.slice(0, 40))
        .slice(0, 5),
    })`);
    expect(layout.wide).toEqual([]);
    expect(layout.width).toBeLessThanOrEqual(680);
    expect(layout.screenOnly).toEqual(['none']);
    expect(layout.signoff).toBe('avoid');
    expect(layout.headings).toEqual(['Approvals', 'Webhook deliveries', 'Spec version 3 in force']);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  }, 30_000);
});
