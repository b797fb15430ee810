import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import { durationOf, type ScrapeTarget } from '@rollout-guard/shared/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTO_ACCEPT, ScrapeFailure, type ScrapeFailureReason, scrapeOnce } from './fetch-scrape.ts';

const NOW = 1_700_000_000_000;
const PROM = 'text/plain; version=0.0.4; charset=utf-8';
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

interface Route {
  status?: number;
  contentType?: string;
  body?: string;
  delayMs?: number;
  location?: () => string;
}

// Each path is one behaviour of a target; the last request's headers are kept for assertions.
const routes: Record<string, Route> = {
  '/prom': { contentType: PROM, body: '# TYPE hits_total counter\nhits_total{variant="on"} 7\n' },
  '/om': {
    contentType: OM,
    body: '# TYPE hits counter\nhits_total{variant="on"} 7 1700000000.5 # {trace_id="a"} 1\n# EOF\n',
  },
  '/om-as-text': { contentType: PROM, body: '# TYPE hits counter\nhits_total 7\n# EOF\n' },
  '/500': { status: 500, body: 'boom' },
  '/slow': { contentType: PROM, body: 'x 1\n', delayMs: 1500 },
  '/garbage': { contentType: PROM, body: '<html>not metrics</html>\n' },
  '/big': { contentType: PROM, body: `big ${'1'.repeat(5000)}\n` },
  '/moved': { status: 301, location: () => '/prom' },
  '/away': { status: 302, location: () => `${elsewhere}/prom` },
};
let lastHeaders: IncomingHttpHeaders = {};
let server: Server;
let base = '';
// The same server under another origin (a name instead of the address): a redirect there leaves the origin.
let elsewhere = '';
// Every path the server was asked for, with the authorization header it came with.
const seen: Array<[string, string | undefined]> = [];
// The test server listens on loopback, which the default policy refuses.
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });

beforeAll(async () => {
  server = createServer((req, res) => {
    lastHeaders = req.headers;
    seen.push([`${req.headers.host}${req.url}`, req.headers.authorization]);
    const route = routes[req.url ?? ''] ?? { status: 404, body: 'no such path' };
    const send = () => {
      res.writeHead(route.status ?? 200, {
        ...(route.contentType && { 'content-type': route.contentType }),
        ...(route.location && { location: route.location() }),
      });
      res.end(route.body ?? '');
    };
    if (route.delayMs) setTimeout(send, route.delayMs).unref();
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  elsewhere = `http://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await egress.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const target = (path: string, extra: Partial<ScrapeTarget> = {}): ScrapeTarget => ({
  url: `${base}${path}`,
  interval: durationOf(2000),
  timeout: durationOf(500),
  headers: {},
  format: 'auto',
  ...extra,
});
const options = { nowMs: NOW, maxBytes: 1024, egress };

describe('scrapeOnce', () => {
  it('asks for OpenMetrics first and parses the 0.0.4 text the target answers with', async () => {
    const result = await scrapeOnce(target('/prom'), options);
    expect(lastHeaders.accept).toBe(AUTO_ACCEPT);
    expect(result.format).toBe('prometheus');
    expect(result.batch.points).toEqual([
      {
        name: 'hits_total',
        attributes: { variant: 'on' },
        timeMs: NOW,
        value: { kind: 'sum', value: 7, monotonic: true, temporality: 'cumulative' },
      },
    ]);
  });

  it('parses OpenMetrics by its Content-Type: second timestamps, exemplars skipped', async () => {
    const result = await scrapeOnce(target('/om'), options);
    expect(result.format).toBe('openmetrics');
    expect(result.batch.points.map((p) => [p.name, p.timeMs, p.value])).toEqual([
      [
        'hits_total',
        1_700_000_000_500,
        { kind: 'sum', value: 7, monotonic: true, temporality: 'cumulative' },
      ],
    ]);
  });

  it('a target set to openmetrics asks for it alone and parses it whatever the Content-Type', async () => {
    const result = await scrapeOnce(target('/om-as-text', { format: 'openmetrics' }), options);
    expect(lastHeaders.accept).toBe('application/openmetrics-text;version=1.0.0');
    expect(result.format).toBe('openmetrics');
    expect(result.batch.points).toHaveLength(1);
  });

  it('sends the headers, reading env: values from the environment', async () => {
    await scrapeOnce(
      target('/prom', {
        headers: { Authorization: { env: 'SCRAPE_AUTH' }, 'X-Team': { value: 'payments' } },
      }),
      { ...options, env: { SCRAPE_AUTH: 'Bearer abc' } },
    );
    expect(lastHeaders.authorization).toBe('Bearer abc');
    expect(lastHeaders['x-team']).toBe('payments');
  });

  it('skips lines of metrics no rollout reads', async () => {
    const result = await scrapeOnce(target('/prom'), { ...options, wantsMetric: () => false });
    expect(result.batch.points).toEqual([]);
    expect(result.batch.dropped).toEqual({ 'unwanted-metric': 1 });
  });

  it("follows a redirect within the target's origin", async () => {
    const result = await scrapeOnce(target('/moved'), options);
    expect(result.batch.points).toHaveLength(1);
  });

  it('never follows a redirect to another origin, so the secret header stays with the target', async () => {
    seen.length = 0;
    const error = await scrapeOnce(
      target('/away', { headers: { Authorization: { value: 'Bearer scrape-secret' } } }),
      {
        ...options,
        env: {},
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'egress',
      message: expect.stringContaining('redirected to another origin'),
    });
    expect(seen).toEqual([[new URL(base).host + '/away', 'Bearer scrape-secret']]);
  });

  it('scrapes under the egress policy: a loopback target is refused by default', async () => {
    const strict = createEgress(defaultEgressPolicy);
    seen.length = 0;
    const error = await scrapeOnce(target('/prom'), { ...options, egress: strict })
      .catch((e: unknown) => e)
      .finally(() => strict.close());
    expect(error).toMatchObject({
      reason: 'egress',
      message: expect.stringContaining('is a loopback address, refused by the egress policy'),
    });
    expect(seen).toEqual([]);
  });

  // Targets are built inside the test: the server's port is known only once it listens.
  it.each<[string, () => ScrapeTarget, ScrapeFailureReason, RegExp]>([
    ['an answer 500', () => target('/500'), 'http', /answered 500/],
    ['no answer within the timeout', () => target('/slow'), 'timeout', /within the timeout of 500ms/],
    [
      'a body that is not metrics',
      () => target('/garbage'),
      'parse',
      /not valid Prometheus text 0\.0\.4.*line 1/,
    ],
    [
      '0.0.4 text parsed as OpenMetrics',
      () => target('/prom', { format: 'openmetrics' }),
      'parse',
      /not valid OpenMetrics/,
    ],
    ['a body over the limit', () => target('/big'), 'too-large', /over the limit of 1024/],
    [
      'a refused connection',
      () => ({ ...target('/prom'), url: 'http://127.0.0.1:1/metrics' }),
      'network',
      /fetch failed/,
    ],
    [
      'a header variable not set',
      () => target('/prom', { headers: { A: { env: 'UNSET_VAR_X' } } }),
      'config',
      /UNSET_VAR_X/,
    ],
  ])('fails with a reason: %s', async (_, t, reason, gist) => {
    const error = await scrapeOnce(t(), { ...options, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScrapeFailure);
    expect((error as ScrapeFailure).reason).toBe(reason);
    expect((error as ScrapeFailure).message).toMatch(gist);
  });
});
