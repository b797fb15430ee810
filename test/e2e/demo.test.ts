import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type DemoEvent, runDemo, type TimedEvent } from '../../scripts/demo/run-demo.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'rg-e2e-demo-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function only<K extends DemoEvent['kind']>(timeline: readonly TimedEvent[], kind: K) {
  return timeline.filter((e): e is Extract<TimedEvent, { kind: K }> => e.kind === kind);
}

function indexOf(timeline: readonly TimedEvent[], match: (e: TimedEvent) => boolean): number {
  const i = timeline.findIndex(match);
  expect(i, 'an expected event is missing from the timeline').toBeGreaterThanOrEqual(0);
  return i;
}

describe('pnpm demo, headless: the contact-center copilot from wave 25% to a signed rollback', () => {
  it('goes at the wave-1 checkpoint, starts wave 2 on approval, and rolls back on the compliance regression', async () => {
    const result = await runDemo({ root, dataDir, collectorPort: 0, regressAfterMs: 10_000 });
    const t = result.timeline;

    // The order a newcomer watches on the terminal.
    const steps = [
      indexOf(t, (e) => e.kind === 'stack'),
      indexOf(t, (e) => e.kind === 'applied'),
      indexOf(t, (e) => e.kind === 'started'),
      indexOf(t, (e) => e.kind === 'wave' && e.wave === 1 && e.percent === 25),
      indexOf(t, (e) => e.kind === 'verdict'),
      indexOf(t, (e) => e.kind === 'approved'),
      indexOf(t, (e) => e.kind === 'wave' && e.wave === 2 && e.percent === 50),
      indexOf(t, (e) => e.kind === 'regression'),
      indexOf(t, (e) => e.kind === 'rollback'),
      indexOf(t, (e) => e.kind === 'report'),
      indexOf(t, (e) => e.kind === 'stopped'),
    ];
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);

    const [verdict] = only(t, 'verdict');
    expect(verdict?.verdict).toBe('go');
    expect(verdict?.wave).toBe(1);
    expect(verdict?.reasons.map((r) => r.check).sort()).toEqual([
      'adoption',
      'csat',
      'handle-time-improvement',
    ]);

    // Exactly one rollback, in wave 2, for the check that regressed, with the numbers behind it.
    const rollbacks = only(t, 'rollback');
    expect(rollbacks).toHaveLength(1);
    const rollback = rollbacks[0];
    expect(rollback?.wave).toBe(2);
    const reason = rollback?.reasons.find((r) => r.check === 'compliance-errors');
    expect(reason).toBeDefined();
    expect(reason?.value as number).toBeGreaterThan(0.03);
    expect(reason?.allowed).toEqual({ max: 0.03 });
    expect(Array.isArray(reason?.interval)).toBe(true);
    // Nothing but the regression rolled it back: the guardrails held for wave 1 and the start of wave 2.
    expect(rollback?.reasons.map((r) => r.check)).toEqual(['compliance-errors']);
    expect(rollback?.afterRegressionMs).toBeLessThan(30_000);

    // Every webhook came signed with the demo's secret; none is a rollback before the regression.
    expect(result.rejectedWebhooks).toBe(0);
    const regressedAt = only(t, 'regression')[0]?.atMs ?? 0;
    const early = only(t, 'webhook').filter((w) => w.type === 'rollout.rollback' && w.atMs < regressedAt);
    expect(early).toEqual([]);
    expect(result.webhooks.map((w) => w.type)).toEqual(
      expect.arrayContaining(['rollout.verdict', 'rollout.rollback']),
    );

    const phases = only(t, 'phase').map((p) => p.phase);
    expect(phases).toContain('awaiting-approval');
    expect(phases.at(-1)).toBe('rolled-back');

    const [report] = only(t, 'report');
    expect(report?.status).toBe(200);
    expect(report?.contentType).toMatch(/text\/html/);
    expect(readFileSync(report?.file ?? '', 'utf8')).toContain('compliance-errors');
  }, 240_000);
});
