import * as esbuild from 'esbuild';
import { buildDashboard } from './scripts/build-dashboard.ts';

/** Before any test file: the collector serves the dashboard's bundle, so build it (as `pnpm start` does). */
export async function setup(): Promise<void> {
  await buildDashboard();
  await esbuild.stop();
}
