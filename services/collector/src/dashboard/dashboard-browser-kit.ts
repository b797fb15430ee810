import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from '@rollout-guard/shared/decision';
import { type HttpServer, startHttpServer } from '@rollout-guard/shared/runtime';
import { bucketKey, bucketStarts, FIELD, operate } from '@rollout-guard/shared/store';
import { startRedis } from '@rollout-guard/shared/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type ApiTestApp, specYaml, startApiApp } from '../api/api-test-kit.ts';

/**
 * What the dashboard's browser tests share: Debian's Chromium (`apt-get install chromium`), driven by
 * playwright-core, and rollouts seeded in a real store as the evaluator would leave them.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WAIT = 30_000;

/** The two screens the page is built for: a phone held upright, and a wall display. */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  wall: { width: 2560, height: 1440 },
} as const;

export async function launchChromium(): Promise<Browser> {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
}

/** Waits until `selector` holds `text` (the page polls the API every second in the tests). */
export async function waitForText(page: Page, selector: string, text: string | RegExp): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: WAIT });
}

export async function useToken(page: Page, token: string): Promise<void> {
  await page.locator('#token-input').fill(token);
  await page.locator('#auth-form button[type=submit]').click();
}

/**
 * With DASHBOARD_SCREENSHOTS=<dir>, saves a full-page screenshot there (to look at the page at each size);
 * otherwise nothing.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.DASHBOARD_SCREENSHOTS;
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

const MINUTE = 60_000;

/** A counter increase stored as the ingest script stores it: in the bucket of every resolution. */
export async function addCounter(
  api: ApiTestApp,
  rollout: string,
  metric: string,
  at: number,
  increase: number,
) {
  for (const { resolution, startMs } of bucketStarts(at)) {
    await api.redis.hincrbyfloat(
      bucketKey(rollout, resolution.name, metric, 'treatment', startMs),
      FIELD.counterIncrease,
      increase,
    );
  }
}

export function measured(value: number, interval: [number, number], from: number, to: number): Measurement {
  return {
    window: { from, to, label: 'wave' },
    treatment: { samples: 5000, value, interval },
  } as Measurement;
}

export async function apply(
  api: ApiTestApp,
  name: string,
  event: Parameters<ApiTestApp['deps']['store']['applyEvent']>[1],
  at: number,
) {
  const result = await api.deps.store.applyEvent(name, event, at);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

/** A rollout in wave 1 since `start` with ten minutes of 2% errors and its guardrail evaluated once. */
/** specYaml with an owner and a runbook for the rollout, and the error-rate guardrail's own runbook. */
function specWithOncall(name: string): string {
  return specYaml(name)
    .replace(
      '  actions:',
      `  owner: ${name}-oncall\n  runbook: https://runbooks.internal/${name}\n  actions:`,
    )
    .replace(
      'allowed: { max: 0.03 }',
      `allowed: { max: 0.03 }\n      runbook: https://runbooks.internal/${name}#errors`,
    );
}

export async function seedRunning(api: ApiTestApp, name: string, start: number): Promise<void> {
  await api.call('PUT', `/api/v1/rollouts/${name}`, { body: specWithOncall(name), type: 'application/yaml' });
  await operate(api.deps.store, name, 'start', 'ana', 'wave 1', start);
  for (let m = 0; m < 10; m++) {
    await addCounter(api, name, 'requests_total', start + m * MINUTE + 1000, 1000);
    await addCounter(api, name, 'errors_total', start + m * MINUTE + 1000, 20);
  }
  await apply(
    api,
    name,
    {
      type: 'evaluation',
      measurements: { 'error-rate': measured(0.02, [0.0171, 0.0233], start, Date.now()) },
    },
    Date.now(),
  );
}

/**
 * A rollout whose wave 1 baked and reached its checkpoint with `latency` at `value`: under its limit of 2
 * it passes (awaiting approval of wave 2), over it fails (a no-go: paused at wave 1).
 */
export async function seedCheckpoint(api: ApiTestApp, name: string, value: number): Promise<void> {
  const began = Date.now() - 2 * 3_600_000;
  await api.call('PUT', `/api/v1/rollouts/${name}`, { body: specYaml(name), type: 'application/yaml' });
  await operate(api.deps.store, name, 'start', 'ana', 'wave 1', began);
  await apply(api, name, { type: 'bake-elapsed' }, Date.now() - 1000);
  await apply(
    api,
    name,
    {
      type: 'checkpoint',
      measurements: { latency: measured(value, [value - 0.1, value + 0.1], began, Date.now()) },
    },
    Date.now() - 1000,
  );
}

/** A collector app on a real Redis and HTTP port, two seeded rollouts, and a Chromium page of the given size. */
export interface DashboardFixture {
  readonly api: ApiTestApp;
  readonly base: string;
  readonly page: Page;
  /** Rounded down to the minute, ten minutes ago: when `checkout-v2`'s wave 1 began. */
  readonly start: number;
  /** Stops the HTTP server alone (the page then finds the API unreachable). */
  stopHttp(): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboard(viewport: { width: number; height: number }): Promise<DashboardFixture> {
  const redis = await startRedis({ appendonly: false });
  const api = await startApiApp(redis.url);
  let http: HttpServer | undefined = await startHttpServer(api.app, { host: '127.0.0.1', port: 0 });
  const start = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
  await seedRunning(api, 'checkout-v2', start);
  await seedCheckpoint(api, 'pricing-page', 1.2);
  await seedCheckpoint(api, 'search-v2', 3);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(WAIT);
  const stopHttp = async () => {
    await http?.close(1000);
    http = undefined;
  };
  return {
    api,
    base: `http://127.0.0.1:${http.port}`,
    page,
    start,
    stopHttp,
    async close() {
      await browser.close();
      await stopHttp();
      await api.close();
      await redis.stop();
    },
  };
}
