/**
 * The dashboard's browser script: its TypeScript modules (services/collector/src/dashboard/page/) and
 * uPlot bundled by esbuild into one minified ES module, services/collector/src/dashboard/dist/dashboard.js
 * (gitignored). The collector serves that file from beside its own source, and the service build copies it
 * beside the service bundle, so it is built before the services, and by anything that runs the collector
 * from source: `pnpm start` with RUN_FROM_SOURCE=1, the collector's own `start`, and every vitest run
 * (vitest.global-setup.ts). Built for the browsers of the last few years (es2022); it takes ~100 ms.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The page's entry module and the bundle the collector serves, relative to the repository root. */
export const DASHBOARD_ENTRY = 'services/collector/src/dashboard/page/main.ts';
export const DASHBOARD_BUNDLE = 'services/collector/src/dashboard/dist/dashboard.js';

/** Bundles the page; returns the bundle's text and the input files it holds (for tests of what it holds). */
export async function bundleDashboard(): Promise<{ code: string; inputs: string[] }> {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, DASHBOARD_ENTRY)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${DASHBOARD_ENTRY}`);
  return { code: output.text, inputs: Object.keys(result.metafile.inputs) };
}

/** Builds the bundle, replacing the file atomically (parallel test processes may be reading it). */
export async function buildDashboard(): Promise<void> {
  const { code } = await bundleDashboard();
  const path = join(root, DASHBOARD_BUNDLE);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, code);
  renameSync(temporary, path);
}
