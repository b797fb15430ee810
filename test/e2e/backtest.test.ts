import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrometheus, type TestPrometheus } from '@rollout-guard/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/src/program.ts';
import { stepBreachOpenMetrics } from '../../services/evaluator/src/backtest/spec-fixture.ts';
import { type E2eSystem, startSystem } from './e2e-kit.ts';

// A backtest through the real processes: the collector's API queues it, an evaluator runs the job against a
// Prometheus backfilled with counters whose answer is known, the API reports the result.

const MINUTE = 60_000;
const START = Math.floor((Date.now() - 3 * 60 * MINUTE) / MINUTE) * MINUTE;
const BREACH_AT = START + 40 * MINUTE;

const openmetrics = () => stepBreachOpenMetrics(START, BREACH_AT);

const SPEC = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: checkout-backtest }
spec:
  flag: new-checkout
  waves:
    - { percent: 50, bake: 30m }
    - { percent: 100, bake: 30m }
  approval: auto
  guardrails:
    - name: errors
      metric: { ratio: { numerator: errors_total, denominator: requests_total } }
      compare: control
      allowed: { max: 0.01 }
`;

interface Report {
  runs: Array<{
    phase: string;
    waves: Array<{ outcome: string; endedAt: number; why: string; decisionId: string }>;
    decisions: Array<{ id: string; checks: Array<Record<string, unknown>> }>;
  }>;
}

let system: E2eSystem;
let prometheus: TestPrometheus;
beforeAll(async () => {
  [system, prometheus] = await Promise.all([startSystem(), startPrometheus({ openmetrics: openmetrics() })]);
}, 90_000);
afterAll(async () => {
  await Promise.all([system?.stop(), prometheus?.stop()]);
});

const api = (path: string, init?: RequestInit) => fetch(`${system.stack.collectorUrl}${path}`, init);

describe('backtest end to end', () => {
  it('queues a job, replays the Prometheus history and reports when the rollout would have rolled back', async () => {
    const response = await api('/api/v1/backtests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        spec: SPEC,
        from: new Date(START).toISOString(),
        to: new Date(START + 120 * MINUTE).toISOString(),
        interval: '1m',
        source: { kind: 'prometheus', url: prometheus.url },
      }),
    });
    expect(response.status).toBe(202);
    const queued = (await response.json()) as { id: string; url: string; status: string };
    expect(queued.status).toBe('queued');
    expect(response.headers.get('location')).toBe(queued.url);

    let record: { status: string; error: string | null; report: Report } = {
      status: 'queued',
      error: null,
      report: { runs: [] },
    };
    await expect
      .poll(
        async () => {
          record = (await (await api(queued.url)).json()) as typeof record;
          return record.status;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe('done');
    const run = record.report.runs[0]!;
    expect(run.phase).toBe('rolled-back');
    expect(run.waves.map((w) => w.outcome)).toEqual(['go', 'rolled-back']);
    const rolledBack = run.waves[1]!;
    expect(rolledBack.endedAt).toBeGreaterThan(BREACH_AT);
    expect(rolledBack.endedAt - BREACH_AT).toBeLessThanOrEqual(5 * MINUTE);
    expect(rolledBack.why).toContain('guardrail errors breached in wave 2 (100%)');
    const decision = run.decisions.find((d) => d.id === rolledBack.decisionId);
    expect(decision?.checks[0]).toMatchObject({ check: 'errors', outcome: 'breached' });
  }, 60_000);

  it('runs from the CLI: per wave when it would have gone or rolled back, and why', async () => {
    const file = join(tmpdir(), `rg-backtest-${process.pid}.yaml`);
    writeFileSync(file, SPEC);
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [
        'backtest',
        file,
        '--from',
        new Date(START).toISOString(),
        '--to',
        new Date(START + 120 * MINUTE).toISOString(),
        '--prometheus',
        prometheus.url,
        '--poll-seconds',
        '0.2',
      ],
      {
        stdout: { write: (t: string) => (stdout += t), isTTY: false },
        stderr: { write: (t: string) => (stderr += t), isTTY: false },
        env: { ROLLOUT_GUARD_SERVER: system.stack.collectorUrl },
      },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/run 1: .* rolled-back/);
    expect(stdout).toMatch(/wave 1 \(50%\) from .*: go at/);
    expect(stdout).toMatch(
      /wave 2 \(100%\) from .*: rolled-back at .* — guardrail errors breached in wave 2 \(100%\)/,
    );
    expect(stdout).toContain('1 of 1 run(s) rolled back');
  }, 60_000);

  it('refuses what it cannot run, saying why', async () => {
    const post = async (body: object) => {
      const res = await api('/api/v1/backtests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { message: string } };
    };
    const base = { spec: SPEC, from: START, to: START + 60 * MINUTE };
    const old = await post({
      ...base,
      from: Date.now() - 30 * 24 * 60 * MINUTE,
      source: { kind: 'collector', rollout: 'checkout-backtest' },
    });
    expect(old.status).toBe(400);
    expect(old.body.message).toContain('the collector keeps recorded data for 8 days');
    const backwards = await post({
      ...base,
      to: START - MINUTE,
      source: { kind: 'prometheus', url: prometheus.url },
    });
    expect(backwards).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('to must be after from') },
    });
    expect((await api('/api/v1/backtests/bt_nope')).status).toBe(404);
  });

  it('shows a backtest it could not run as failed, with the check and why', async () => {
    const response = await api('/api/v1/backtests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        spec: SPEC.replace(
          / {2}guardrails:[\s\S]*$/,
          '  guardrails:\n    - { name: peak, metric: requests_total, aggregate: max, allowed: { max: 10 } }\n',
        ),
        from: START,
        to: START + 60 * MINUTE,
        source: { kind: 'prometheus', url: prometheus.url },
      }),
    });
    expect(response.status).toBe(202);
    const { url } = (await response.json()) as { url: string };
    let record: { status: string; error: string | null; attempts: number } = {
      status: 'queued',
      error: null,
      attempts: 0,
    };
    await expect
      .poll(
        async () => {
          record = (await (await api(url)).json()) as typeof record;
          return record.status;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe('failed');
    expect(record.attempts).toBe(1);
    expect(record.error).toContain('peak: aggregate max needs every observation');
  }, 60_000);
});
