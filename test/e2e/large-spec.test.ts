import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SPEC_SHAPE_LIMITS } from '@rollout-guard/shared/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../../scripts/demo/stack.ts';
import { largestSpec } from '../../services/collector/src/spec-workers/largest-spec.ts';
import { root } from './e2e-kit.ts';

// The built collector with its production heap limit, validating the largest spec it accepts
// (API_MAX_BODY_BYTES, SPEC_MAX_KEYS): /readyz and ingest must answer before that answer does. On one
// thread they waited for the parse; the assertion is about order, not time.

const MAX_BODY_BYTES = 1024 * 1024;

/** POSTs the body; `sent` resolves once all of it has left (the collector then reads it and parses). */
function post(url: string, body: string, type: string): { sent: Promise<void>; answered: Promise<string> } {
  let sent!: () => void;
  const sentPromise = new Promise<void>((resolve) => {
    sent = resolve;
  });
  const answered = new Promise<string>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': type } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(chunks).toString('utf8')}`));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body, sent);
  });
  return { sent: sentPromise, answered };
}

describe('a collector parsing the largest spec it accepts', () => {
  let stack: Stack;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rg-large-spec-'));
    stack = await startStack({
      root,
      dataDir,
      collectorPort: 0,
      services: ['collector'],
      env: {
        LOG_LEVEL: 'warn',
        SPEC_ENV_ALLOWED: 'ROLLBACK_SECRET',
        API_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps answering /readyz and ingest while it validates', async () => {
    const spec = largestSpec(DEFAULT_SPEC_SHAPE_LIMITS, MAX_BODY_BYTES);
    const base = stack.collectorUrl;
    const validate = post(`${base}/api/v1/validate`, spec, 'application/yaml');
    let validated = false;
    const answer = validate.answered.finally(() => {
      validated = true;
    });
    await validate.sent;
    // Rounds of /readyz then an ingest request, each sent once the one before has answered, until the
    // validation answers. On one thread the parse held them all: at most the first slipped in before it.
    let rounds = 0;
    while (!validated) {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const ingest = await fetch(`${base}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceMetrics: [] }),
      });
      expect(ingest.status).toBe(200);
      if (!validated) rounds++;
    }
    expect(await answer).toMatch(/^200 \{"valid":true,"problems":\[\]/);
    expect(rounds).toBeGreaterThanOrEqual(3);
  });
});
