import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  jsonLine,
  type SpawnedProcess,
  spawnTs,
  startRedis,
  type TestRedis,
} from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cliMain = fileURLToPath(new URL('./main.ts', import.meta.url));
const TOKEN = 'cli-admin-secret-0123456789';
const INGEST = 'cli-ingest-secret-0123456789';

/** The CLI as a user runs it: a subprocess with the server and token from the environment. */
interface Run {
  code: number | NodeJS.Signals;
  stdout: string;
}

describe('the rollout-guard CLI against a running collector and evaluator', () => {
  let redis: TestRedis;
  let dir: string;
  let server: string;
  let receiver: Server;
  const webhooks: Array<{ path: string; body: string }> = [];
  const services: SpawnedProcess[] = [];

  function cli(args: string[], env: Record<string, string> = {}): SpawnedProcess {
    const { REDIS_URL: _r, NO_COLOR: _n, FORCE_COLOR: _f, ...inherited } = process.env;
    return spawnTs({
      args: [cliMain, ...args],
      cwd: root,
      env: { ...inherited, ROLLOUT_GUARD_SERVER: server, ROLLOUT_GUARD_TOKEN: TOKEN, ...env },
    });
  }

  async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const child = cli(args, env);
    const code = await child.exited;
    return { code, stdout: child.lines.join('\n') };
  }

  async function phase(): Promise<string> {
    const { stdout } = await run(['get', 'cli-e2e', '-o', 'json']);
    return (JSON.parse(stdout) as { phase: string }).phase;
  }

  /** Counter increases (OTLP delta sums) for both cohorts through the ingest route, as an SDK sends them. */
  async function send(cohort: 'on' | 'off', requests: number, errors: number) {
    const now = Date.now();
    const point = (value: number) => ({
      startTimeUnixNano: `${now - 1000}000000`,
      timeUnixNano: `${now}000000`,
      asDouble: value,
      attributes: [
        { key: 'feature_flag.key', value: { stringValue: 'cli-flag' } },
        { key: 'feature_flag.result.variant', value: { stringValue: cohort } },
      ],
    });
    const sum = (name: string, value: number) => ({
      name,
      sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [point(value)] },
    });
    const res = await fetch(`${server}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` },
      body: JSON.stringify({
        resourceMetrics: [
          { scopeMetrics: [{ metrics: [sum('requests_total', requests), sum('errors_total', errors)] }] },
        ],
      }),
    });
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    dir = mkdtempSync(join(tmpdir(), 'rg-cli-'));
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        webhooks.push({ path: req.url ?? '', body });
        res.writeHead(200).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    const { REDIS_URL: _ignored, ...inherited } = process.env;
    // The webhooks go to a receiver on loopback, which the egress policy refuses unless allowed.
    const common = { ...inherited, REDIS_URL: redis.url, LOG_LEVEL: 'info', EGRESS_ALLOW_LOOPBACK: 'true' };
    const collector = spawnTs({
      args: ['services/collector/src/main.ts'],
      cwd: root,
      env: {
        ...common,
        PORT: String(port),
        ROLLOUT_GUARD_TOKENS: `cli:admin+operate+read:${TOKEN},otel:ingest:${INGEST}`,
      },
    });
    const evaluator = spawnTs({
      args: ['services/evaluator/src/main.ts'],
      cwd: root,
      env: { ...common, HEALTH_PORT: String(await freePort()), TICK_MS: '500', EVIDENCE_BASE_URL: server },
    });
    services.push(collector, evaluator);
    await collector.waitForLine((line) => jsonLine(line)?.msg === 'collector listening');
    await evaluator.waitForLine((line) => jsonLine(line)?.msg === 'evaluator health server listening');
  }, 60_000);

  afterAll(async () => {
    for (const service of services) service.child.kill('SIGTERM');
    await Promise.all(services.map((s) => s.exited));
    receiver.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates, applies, starts, approves after a go verdict, watches a breach roll it back, and reads the evidence', async () => {
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const file = join(dir, 'cli-e2e.yaml');
    writeFileSync(
      file,
      `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: cli-e2e }
spec:
  flag: cli-flag
  owner: shop-oncall
  runbook: https://runbooks.internal/shop
  waves:
    - { percent: 25, bake: 3s, minSamples: 50 }
    - { percent: 100, bake: 1h, minSamples: 50 }
  guardrails:
    - name: error-rate
      metric: { ratio: { numerator: errors_total, denominator: requests_total } }
      allowed: { max: 0.05 }
      runbook: https://runbooks.internal/shop#errors
  successCriteria:
    - name: error-rate-low
      metric: { ratio: { numerator: errors_total, denominator: requests_total } }
      allowed: { max: 0.05 }
  actions:
    rollback: [{ url: "${receiverUrl}/rollback" }]
`,
    );

    expect(await run(['validate', file])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('valid'),
    });
    const denied = await run(['get'], { ROLLOUT_GUARD_TOKEN: 'wrong-token-0123456789' });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain('401 UNAUTHORIZED');

    // Ingest takes only tokens with the ingest scope.
    const ingestAs = (token: string | null) =>
      fetch(`${server}/v1/metrics`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        },
        body: '{"resourceMetrics":[]}',
      });
    expect((await ingestAs(null)).status).toBe(401);
    expect((await ingestAs(TOKEN)).status).toBe(403);
    expect((await ingestAs(INGEST)).status).toBe(200);

    const applied = await run(['apply', '-f', file]);
    expect(applied).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('rollout cli-e2e created: version 1, pending'),
    });
    expect((await run(['approve', 'cli-e2e'])).code).toBe(1);
    // Who is paged: the rollout's owner and runbook, and the guardrail's own runbook.
    const shown = (await run(['get', 'cli-e2e'])).stdout;
    expect(shown).toContain('owner shop-oncall, runbook https://runbooks.internal/shop\n');
    expect(shown).toContain('  error-rate: owner shop-oncall, runbook https://runbooks.internal/shop#errors');
    expect(JSON.parse((await run(['get', 'cli-e2e', '-o', 'json'])).stdout)).toMatchObject({
      owner: 'shop-oncall',
      runbook: 'https://runbooks.internal/shop',
    });

    const started = await run(['start', 'cli-e2e', '--reason', 'wave 1 of the CLI test']);
    expect(started).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('start by cli → wave, wave 1'),
    });

    // Healthy wave 1: 1% errors in both cohorts, until the 3 s bake ends with a go verdict.
    const deadline = Date.now() + 30_000;
    while ((await phase()) !== 'awaiting-approval') {
      expect(Date.now()).toBeLessThan(deadline);
      await send('on', 1000, 10);
      await send('off', 1000, 10);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const approved = await run(['approve', 'cli-e2e', '-r', 'numbers look fine']);
    expect(approved).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('approve by cli → wave, wave 2'),
    });

    // Watch wave 2 live while the treatment's error rate jumps to 30%: the watch ends when the rollout does.
    const watch = cli(['status', 'cli-e2e', '--watch', '--interval', '0.3']);
    await watch.waitForLine((line) => line.includes('wave 2 of 2'));
    const until = Date.now() + 30_000;
    while (watch.child.exitCode === null && Date.now() < until) {
      await send('on', 1000, 300);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(await watch.exited).toBe(0);
    const watched = watch.lines.join('\n');
    expect(watched).toContain('rolled-back');
    expect(watched).toMatch(/error-rate\s+guardrail\s+breached/);

    const list = await run(['decisions', 'cli-e2e', '-o', 'json']);
    const decisions = JSON.parse(list.stdout) as Array<{
      id: string;
      kind: string;
      outcome: string;
      actor: unknown;
    }>;
    // Newest first: the rollback, the approval's advance, the go verdict (after any inconclusive ones while
    // data was still thin), and the start's advance.
    const outcomes = decisions.map((d) => `${d.kind} ${d.outcome}`);
    expect(outcomes.slice(0, 3)).toEqual(['rollback rollback', 'advance advance', 'verdict go']);
    expect(outcomes.at(-1)).toBe('advance advance');
    // The approval's advance names the operator: the token's name.
    expect(decisions[1]?.actor).toEqual({ type: 'operator', name: 'cli' });
    const rollback = decisions.find((d) => d.kind === 'rollback')!;
    const report = await run(['decisions', 'cli-e2e', rollback.id]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('rollback rollback  cli-e2e  wave 2 (100%)');
    expect(report.stdout).toMatch(/error-rate\s+breached/);
    expect(report.stdout).toContain('max 0.05 (allowed)');
    expect(report.stdout).toContain('owner     shop-oncall\nrunbook   https://runbooks.internal/shop\n');
    expect(report.stdout).toContain('    owner shop-oncall, runbook https://runbooks.internal/shop#errors');
    const html = await run(['decisions', 'cli-e2e', rollback.id, '--html']);
    expect(html.stdout).toContain('<p class="verdict">rollback</p>');

    await expect.poll(() => webhooks.map((w) => w.path), { timeout: 10_000 }).toContain('/rollback');
    const deliveries = await run(['deliveries', '--rollout', 'cli-e2e']);
    expect(deliveries.stdout).toMatch(/rollout\.rollback\s+delivered/);
  }, 120_000);

  it('prints the audit log, downloads an evidence pack, follows the log and stops cleanly on Ctrl-C', async () => {
    const log = await run(['log', 'cli-e2e']);
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(
      /cli-e2e {2}cli {2}approve {2}awaiting-approval 1 → wave 2 {2}spec v1 {2}why: "numbers look fine"/,
    );
    expect(log.stdout).toMatch(/cli-e2e {2}system {2}evaluation: .*decided rollback rollback/);
    const operators = await run(['log', '--actor', 'cli', '--kind', 'transition', '-o', 'json']);
    const entries = JSON.parse(operators.stdout) as Array<{ action: string; rollout: string }>;
    expect(entries.map((e) => e.action)).toEqual(['start', 'approve']);
    expect((await run(['log', 'no-such-rollout'])).code).toBe(1);

    // The go verdict's evidence pack, downloaded as JSON and as printable HTML.
    const decisions = JSON.parse((await run(['decisions', 'cli-e2e', '-o', 'json'])).stdout) as Array<{
      id: string;
      outcome: string;
    }>;
    const go = decisions.find((d) => d.outcome === 'go')!;
    const file = join(dir, 'gate.json');
    expect(await run(['evidence', 'cli-e2e', go.id, '--file', file])).toMatchObject({
      code: 0,
      stdout: `evidence pack of ${go.id} written to ${file}`,
    });
    const pack = JSON.parse(readFileSync(file, 'utf8')) as {
      decision: { id: string };
      approvals: Array<{ reason: string }>;
    };
    expect(pack.decision.id).toBe(go.id);
    expect(pack.approvals.map((a) => a.reason)).toEqual(['numbers look fine']);
    const html = await run(['evidence', 'cli-e2e', go.id, '--html', '--file', '-']);
    expect(html.stdout).toContain('Evidence pack of a rollout-guard decision');
    expect((await run(['evidence', 'cli-e2e', 'dec_nope'])).code).toBe(1);

    const follow = cli(['log', 'cli-e2e', '--follow', '--interval', '0.2']);
    await follow.waitForLine((line) => line.includes('decided rollback rollback'));
    expect((await run(['approve', 'cli-e2e', '-r', 'too late'])).code).toBe(1);
    await follow.waitForLine((line) => line.includes('approve refused') && line.includes('"too late"'));
    follow.child.kill('SIGINT');
    expect(await follow.exited).toBe(0);
    expect(follow.lines.filter((line) => line.includes('"too late"'))).toHaveLength(1);
  }, 60_000);
});
