import { describe, expect, it } from 'vitest';
import type { CriterionOutcome } from './check.ts';
import { checkpointVerdict } from './checkpoint-verdict.ts';

const DAY = 86_400_000;
// bake 7d → extend 3.5d, maxBake 14d: PRODUCT.md's defaults.
const schedule = { bakeMs: 7 * DAY, extendMs: 3.5 * DAY, maxBakeMs: 14 * DAY };
const criteria = (...outcomes: CriterionOutcome[]) =>
  outcomes.map((outcome, i) => ({ check: `c${i}`, outcome }));

describe('checkpointVerdict', () => {
  const cases: [string, ReturnType<typeof criteria>, string[], string, number | null][] = [
    ['every criterion passes, no breach', criteria('pass', 'pass'), [], 'go', null],
    ['no criteria and no breach', criteria(), [], 'go', null],
    ['one criterion fails', criteria('pass', 'fail'), [], 'no-go', null],
    ['a failure outweighs an inconclusive one', criteria('inconclusive', 'fail'), [], 'no-go', null],
    ['a failure with a breached guardrail', criteria('fail'), ['latency'], 'no-go', null],
    ['one criterion inconclusive', criteria('pass', 'inconclusive'), [], 'inconclusive', 10.5 * DAY],
    ['all pass but a guardrail is breached', criteria('pass'), ['latency'], 'inconclusive', 10.5 * DAY],
  ];
  it.each(cases)('%s', (_name, input, breached, verdict, nextBakeMs) => {
    const result = checkpointVerdict({
      criteria: input,
      breachedGuardrails: breached,
      currentBakeMs: 7 * DAY,
      schedule,
    });
    expect(result.verdict).toBe(verdict);
    if (result.verdict === 'inconclusive') expect(result.nextBakeMs).toBe(nextBakeMs);
    if (result.verdict === 'no-go') expect(result.cause).toBe('criterion-failed');
  });

  it('extends 7d → 10.5d → 14d, then says no-go', () => {
    const sequence: string[] = [];
    let bake = schedule.bakeMs;
    for (let i = 0; i < 5; i++) {
      const result = checkpointVerdict({
        criteria: criteria('inconclusive'),
        breachedGuardrails: [],
        currentBakeMs: bake,
        schedule,
      });
      sequence.push(`${bake / DAY}d:${result.verdict}`);
      if (result.verdict !== 'inconclusive') {
        expect(result).toMatchObject({ verdict: 'no-go', cause: 'max-bake' });
        break;
      }
      bake = result.nextBakeMs;
    }
    expect(sequence).toEqual(['7d:inconclusive', '10.5d:inconclusive', '14d:no-go']);
  });

  it('caps the last extension at maxBake', () => {
    const result = checkpointVerdict({
      criteria: criteria('inconclusive'),
      breachedGuardrails: [],
      currentBakeMs: 12 * DAY,
      schedule,
    });
    expect(result).toMatchObject({ verdict: 'inconclusive', nextBakeMs: 14 * DAY });
  });

  it('a go at an extended checkpoint is still a go', () => {
    const result = checkpointVerdict({
      criteria: criteria('pass'),
      breachedGuardrails: [],
      currentBakeMs: 14 * DAY,
      schedule,
    });
    expect(result.verdict).toBe('go');
  });

  it('names what failed or stayed open', () => {
    const result = checkpointVerdict({
      criteria: [
        { check: 'csat', outcome: 'inconclusive' },
        { check: 'adoption', outcome: 'pass' },
      ],
      breachedGuardrails: ['copilot-latency'],
      currentBakeMs: 7 * DAY,
      schedule,
    });
    expect(result.why).toBe('inconclusive: csat; breached: copilot-latency; the bake extends');
  });
});
