import { gzipSync } from 'node:zlib';
import {
  freePort,
  type SpawnedProcess,
  spawnTs,
  startRedis,
  type TestRedis,
} from '@rollout-guard/shared/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NODE_FLAGS } from '../../scripts/service-node-flags.ts';

// Generated requests to every route of a collector running with its production heap limit: no
// answer is a 5xx other than 503, the process stays up, /readyz keeps answering. Seeded and bounded.
const root = new URL('../..', import.meta.url).pathname;
const main = `${root}services/collector/src/main.ts`;
const TOKENS = {
  ingest: 'fuzz-ingest-token-0123456789',
  read: 'fuzz-read-token-0123456789ab',
  operate: 'fuzz-operate-token-012345678',
  admin: 'fuzz-admin-token-0123456789a',
};

const SPEC = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: fuzz }
spec:
  flag: fuzz-flag
  waves: [{ percent: 50, bake: 1h }, { percent: 100, bake: 1h }]
  guardrails:
    - { name: error-rate, metric: { ratio: { numerator: errors_total, denominator: requests_total } }, allowed: { max: 0.05 } }
  actions:
    rollback: [{ url: "http://127.0.0.1:9/hook", secret: "env:ROLLBACK_SECRET" }]
`;

const name = fc.oneof(
  { weight: 3, arbitrary: fc.constant('fuzz') },
  fc.constantFrom('nope', '..', '%00', 'a'.repeat(300), ''),
);
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('1e308', '-1', '99999999999999999999', '2026-13-45', 'NaN'),
);
const route: fc.Arbitrary<readonly [string, string]> = fc.oneof(
  fc.tuple(
    fc.constantFrom('POST'),
    fc.constantFrom('/v1/metrics', '/api/v1/write', '/api/v1/validate', '/api/v1/plan'),
  ),
  fc.tuple(
    fc.constant('GET'),
    fc.constantFrom(
      '/api/v1/rollouts',
      '/api/v1/deliveries',
      '/api/v1/audit',
      '/metrics/rollouts',
      '/api/v1/openapi.json',
      '/',
    ),
  ),
  name.map((n) => ['PUT', `/api/v1/rollouts/${n}`] as [string, string]),
  fc
    .tuple(
      name,
      fc.constantFrom(
        '',
        '/versions',
        '/versions/1',
        '/diff',
        '/decisions',
        '/decisions/x',
        '/series',
        '/verdict',
        '/plan',
        '/audit',
      ),
    )
    .map(([n, tail]) => ['GET', `/api/v1/rollouts/${n}${tail}`] as [string, string]),
  fc
    .tuple(name, fc.constantFrom('start', 'pause', 'resume', 'approve', 'abort', 'rollback', 'archive'))
    .map(([n, action]) => ['POST', `/api/v1/rollouts/${n}/${action}`] as [string, string]),
  fc.tuple(
    fc.constantFrom('DELETE', 'PATCH', 'OPTIONS'),
    fc.constantFrom('/api/v1/rollouts/fuzz', '/v1/metrics'),
  ),
);
const deep = (open: string, close: string) =>
  fc.integer({ min: 1, max: 50_000 }).map((n) => `${open.repeat(n)}${close.repeat(n)}`);
/** Field 1 holding field 1 holding…, `n` levels: the shape of a recursive protobuf message. */
function deepProtobuf(n: number): Uint8Array {
  const heads: number[][] = [];
  let length = 0;
  for (let level = 0; level < n; level++) {
    const head = [0x0a];
    for (let rest = length; ; rest = Math.floor(rest / 128)) {
      head.push(rest >= 0x80 ? (rest & 0x7f) | 0x80 : rest);
      if (rest < 0x80) break;
    }
    heads.push(head);
    length += head.length;
  }
  return Uint8Array.from(heads.reverse().flat());
}
/** Instants and ranges a reader may ask for: far in the future, before 1970, or decades wide. */
const instant = fc.oneof(
  anyText,
  fc.integer({ min: -8_640_000_000_000, max: 8_640_000_000_000_000 }).map(String),
  fc.constantFrom(
    '8640000000000000',
    '0',
    String(Date.now() + 100 * 365 * 86_400_000),
    '2999-12-31T00:00:00Z',
  ),
);
const body = fc.oneof(
  fc.integer({ min: 1, max: 20_000 }).map(deepProtobuf),
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 4096 }),
  fc.json({ maxDepth: 6 }),
  fc.string({ maxLength: 2000 }),
  deep('[', ']'),
  deep('{"a":', '}').map((t) => t.replace(/\}+$/, (m) => `1${m}`)),
  fc.constant(SPEC),
  fc
    .integer({ min: 100, max: 20_000 })
    .map((n) => `${SPEC}  labels:\n${Array.from({ length: n }, (_, i) => `    k${i}: v`).join('\n')}`),
  fc.constant(
    JSON.stringify({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: 'x', gauge: { dataPoints: [{ timeUnixNano: '99999999999999999999', asDouble: 1 }] } },
              ],
            },
          ],
        },
      ],
    }),
  ),
);
const request = fc.record({
  route,
  body,
  contentType: fc.constantFrom(
    undefined,
    'application/json',
    'application/x-protobuf',
    'application/yaml',
    'text/plain',
    'multipart/form-data; boundary=x',
  ),
  encoding: fc.constantFrom(undefined, 'gzip', 'deflate', 'snappy', 'br', 'identity'),
  gzipBody: fc.boolean(),
  token: fc.constantFrom(undefined, 'bogus', ...Object.values(TOKENS)),
  query: fc.record(
    {
      check: fc.oneof(fc.constant('error-rate'), anyText),
      from: instant,
      to: instant,
      step: anyText,
      wave: anyText,
      traffic: anyText,
      limit: anyText,
      rollout: anyText,
    },
    { requiredKeys: [] },
  ),
});

describe('the collector under generated requests', () => {
  let redis: TestRedis;
  let collector: SpawnedProcess | undefined;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
  });
  afterAll(async () => {
    await collector?.kill();
    await redis.stop();
  });

  it('answers every one without a 5xx other than 503, stays up, and stays ready', async () => {
    const port = await freePort();
    const { REDIS_URL: _ignored, ...inherited } = process.env;
    // The production heap limit, as pnpm start gives it.
    collector = spawnTs({
      args: [...SERVICE_NODE_FLAGS.collector, main],
      cwd: root,
      env: {
        ...inherited,
        REDIS_URL: redis.url,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        SPEC_ENV_ALLOWED: 'ROLLBACK_SECRET',
        ROLLOUT_GUARD_TOKENS: Object.entries(TOKENS)
          .map(([scope, token]) => `${scope}:${scope === 'admin' ? 'read+admin' : scope}:${token}`)
          .join(','),
      },
    });
    const base = `http://127.0.0.1:${port}`;
    await expect
      .poll(async () => (await fetch(`${base}/readyz`).catch(() => null))?.status, { timeout: 30_000 })
      .toBe(200);
    const put = await fetch(`${base}/api/v1/rollouts/fuzz`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/yaml' },
      body: SPEC,
    });
    expect(put.status).toBe(201);

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [method, path] = r.route;
        const url = new URL(path, base);
        for (const [key, value] of Object.entries(r.query)) url.searchParams.set(key, value);
        const headers: Record<string, string> = {};
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.encoding !== undefined) headers['content-encoding'] = r.encoding;
        if (r.token !== undefined) headers.authorization = `Bearer ${r.token}`;
        let payload: Uint8Array | string | undefined =
          method === 'GET' || method === 'OPTIONS' ? undefined : r.body;
        if (payload !== undefined && r.gzipBody) payload = gzipSync(payload);
        // A body refused before it is read (401, 413) may have its connection closed under the upload:
        // the client then sees a socket error, and what matters is that the collector is still there.
        const init = { method, headers, ...(payload === undefined ? {} : { body: payload }) };
        const res = await fetch(url, init).catch(() => null);
        if (res !== null) {
          await res.arrayBuffer().catch(() => undefined);
          const status = `${method} ${url.pathname} answered ${res.status}`;
          expect(res.status >= 500 && res.status !== 503, status).toBe(false);
        }
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
      }),
      { seed: 20261206, numRuns: 400, endOnFailure: true },
    );
    expect(collector.child.exitCode).toBeNull();
    expect(collector.lines.filter((line) => line.includes('heap out of memory'))).toEqual([]);
  }, 110_000);
});
