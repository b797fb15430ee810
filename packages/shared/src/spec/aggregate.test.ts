import { describe, expect, it } from 'vitest';
import { aggregateInput, aggregateOfQuantile, quantileOf } from './aggregate.ts';

describe('quantileOf', () => {
  it.each([
    ['p50', 0.5],
    ['p95', 0.95],
    ['p99', 0.99],
    ['p999', 0.999],
    ['p975', 0.975],
    ['p01', 0.01],
    ['p9999', 0.9999],
  ])('%s is the %d quantile', (aggregate, quantile) => {
    expect(quantileOf(aggregate)).toBe(quantile);
    expect(aggregateInput.safeParse(aggregate).success).toBe(true);
  });

  it.each(['mean', 'sum', 'count', 'rate', 'min', 'max', 'last'])('%s is no quantile', (aggregate) => {
    expect(quantileOf(aggregate)).toBeUndefined();
    expect(aggregateInput.safeParse(aggregate).success).toBe(true);
  });

  // p100 would read as 0.100 = p10, p00 as 0: refused rather than misread.
  it.each(['p100', 'p990', 'p00', 'p5', 'P99', 'p', 'median'])('refuses %s', (aggregate) => {
    expect(quantileOf(aggregate)).toBeUndefined();
    expect(aggregateInput.safeParse(aggregate).success).toBe(false);
  });
});

describe('aggregateOfQuantile', () => {
  it.each([
    [0.975, 'p975'],
    [0.5, 'p50'],
    [0.99, 'p99'],
    [0.999, 'p999'],
  ])('%d → %s', (quantile, aggregate) => {
    expect(aggregateOfQuantile(quantile)).toBe(aggregate);
    expect(quantileOf(aggregate)).toBe(quantile);
  });

  it.each([0, 1, -0.5, 1.5])('%d is no quantile', (quantile) => {
    expect(aggregateOfQuantile(quantile)).toBeUndefined();
  });
});
