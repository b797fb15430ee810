import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDashboard, bundleDashboard, DASHBOARD_BUNDLE } from './build-dashboard.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
afterAll(() => esbuild.stop());

describe('the dashboard bundle', () => {
  it('holds only the page’s modules, the shared display helpers and uPlot: no zod, nothing of the server', async () => {
    const { code, inputs } = await bundleDashboard();
    const outside = inputs
      .filter((input) => !input.startsWith('services/collector/src/dashboard/page/'))
      .map((input) => input.replace(/^node_modules\/.*\/node_modules\//, 'node_modules/'));
    expect(outside.sort()).toEqual([
      'node_modules/uplot/dist/uPlot.esm.js',
      'packages/shared/src/decision/distribution-chart.ts',
      'packages/shared/src/decision/events.ts',
      'packages/shared/src/decision/limit-text.ts',
      'packages/shared/src/decision/operator-actions.ts',
      'packages/shared/src/decision/state.ts',
      'packages/shared/src/display/index.ts',
      'packages/shared/src/spec/limit-value.ts',
      'packages/shared/src/store/delivery-status.ts',
    ]);
    // One module with nothing left to import: the collector serves it alone.
    expect(code).not.toMatch(/\bimport\s*[{("'*]/);
    expect(code).toContain('rollout-guard.token');
  });

  it('is written where the collector serves it from', async () => {
    await buildDashboard();
    const path = join(root, DASHBOARD_BUNDLE);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('rollout-guard.token');
  });
});
