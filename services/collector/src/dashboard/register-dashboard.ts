import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ApiDeps } from '../api/api-deps.ts';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import { dashboardShell } from './shell.ts';

/**
 * `GET /`: the dashboard (PRODUCT.md §2). The page is a shell with no data in it, public like the API
 * reference; its script reads the API with the token the user gives it (kept in sessionStorage, sent
 * as `Authorization: Bearer`), so nothing about a rollout is served without a `read` token when tokens
 * are configured. Its files are served from here: no CDN, nothing fetched from outside the collector.
 */

// Read beside this module (the service build copies them beside its bundle): the page's script as
// scripts/build-dashboard.ts bundles it from page/ (uPlot included), its stylesheet, uPlot's from node_modules.
const SCRIPT = new URL('./dist/dashboard.js', import.meta.url);
const STYLE = new URL('./dashboard.css', import.meta.url);
const fromHere = createRequire(fileURLToPath(STYLE));

interface Asset {
  readonly type: string;
  readonly path: () => string;
}

/** Every file the page loads, by the name in `/dashboard/{file}`. */
export const DASHBOARD_ASSETS: Readonly<Record<string, Asset>> = {
  'dashboard.js': { type: 'text/javascript; charset=utf-8', path: () => fileURLToPath(SCRIPT) },
  'dashboard.css': { type: 'text/css; charset=utf-8', path: () => fileURLToPath(STYLE) },
  'uplot.css': { type: 'text/css; charset=utf-8', path: () => fromHere.resolve('uplot/dist/uPlot.min.css') },
};

/**
 * Scripts and styles only from this collector, API calls only to it; inline styles for uPlot and the
 * decision report (shown in a sandboxed frame); never framed by another site.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function registerDashboard(app: App, deps: Pick<ApiDeps, 'openapi'>): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/',
    summary: 'The dashboard: rollouts, checks over time, decisions, deliveries',
    description:
      'A page with no data in it (no token needed); its script reads the API with a `read` token that the user enters, kept in the browser tab (sessionStorage).',
    tags: ['dashboard'],
    security: [],
    responses: {
      200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } },
    },
  });
  deps.openapi.registerPath({
    method: 'get',
    path: '/dashboard/{file}',
    summary: 'A script or stylesheet of the dashboard',
    tags: ['dashboard'],
    security: [],
    request: {
      params: z.object({ file: z.enum(Object.keys(DASHBOARD_ASSETS) as [string, ...string[]]) }),
    },
    responses: {
      200: {
        description: 'The file',
        content: {
          'text/javascript': { schema: { type: 'string' } },
          'text/css': { schema: { type: 'string' } },
        },
      },
      404: { description: 'No such file' },
    },
  });

  const cache = new Map<string, string>();
  const shell = dashboardShell();

  app.get('/', function dashboard(c) {
    return c.body(shell, 200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  });

  app.get('/dashboard/:file', function dashboardAsset(c) {
    const name = c.req.param('file');
    const asset = Object.hasOwn(DASHBOARD_ASSETS, name) ? DASHBOARD_ASSETS[name] : undefined;
    if (asset === undefined) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `The dashboard has no file "${name}"; it serves ${Object.keys(DASHBOARD_ASSETS).join(', ')}`,
      });
    }
    let text = cache.get(name);
    if (text === undefined) {
      const path = asset.path();
      if (!existsSync(path)) {
        throw new AppError({
          code: 'SERVICE_UNAVAILABLE',
          message: `The dashboard's ${name} is not built (${path} is missing): run \`pnpm build\`, or start with \`pnpm start\`, which builds it`,
        });
      }
      text = readFileSync(path, 'utf8');
      cache.set(name, text);
    }
    return c.body(text, 200, { ...SECURITY_HEADERS, 'content-type': asset.type });
  });
}
