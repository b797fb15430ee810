import { describe, expect, it } from 'vitest';
import { BudgetExceeded, DecodeBudget } from './decode-budget.ts';

describe('the decode budget', () => {
  it('is shared by the leases in flight and given back whole when each closes', () => {
    const budget = new DecodeBudget(100);
    const first = budget.lease();
    const second = budget.lease();
    first.require(60);
    expect(() => second.require(50)).toThrow(BudgetExceeded);
    expect(budget.freeBytes).toBe(40);
    expect(second.takeUpTo(50)).toBe(40);
    second.giveBack(15);
    expect([first.heldBytes, second.heldBytes, budget.freeBytes]).toEqual([60, 25, 15]);
    first.close();
    second.close();
    expect(budget.freeBytes).toBe(100);
  });

  it.each([
    ['fits', 0, 30, undefined],
    ['busy: others hold the rest', 80, 30, 'busy'],
    ['too large: more than the whole budget', 0, 101, 'tooLarge'],
  ])('a requirement that %s', (_, heldByOthers, wanted, failure) => {
    const budget = new DecodeBudget(100);
    budget.lease().require(heldByOthers);
    const lease = budget.lease();
    let thrown: unknown;
    try {
      lease.require(wanted);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as BudgetExceeded | undefined)?.kind).toBe(failure);
    expect(lease.heldBytes).toBe(failure === undefined ? wanted : 0);
    expect(budget.freeBytes).toBe(100 - heldByOthers - lease.heldBytes);
  });
});
