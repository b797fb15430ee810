import { describe, expect, it } from 'vitest';
import { routeOf } from './route.ts';

describe('routeOf', () => {
  it.each([
    ['', { kind: 'list' }],
    ['#/', { kind: 'list' }],
    ['#/nowhere', { kind: 'list' }],
    ['#/rollouts/checkout-v2', { kind: 'rollout', name: 'checkout-v2' }],
    ['#/rollouts/checkout-v2/', { kind: 'rollout', name: 'checkout-v2' }],
    ['#/rollouts/a%20b', { kind: 'rollout', name: 'a b' }],
    ['#/rollouts/bad%E0', { kind: 'rollout', name: 'bad%E0' }],
    ['#/rollouts/checkout-v2/decisions/d%2F1', { kind: 'report', name: 'checkout-v2', id: 'd/1' }],
    ['#/rollouts/checkout-v2/decisions', { kind: 'rollout', name: 'checkout-v2' }],
  ])('%s', (hash, route) => expect(routeOf(hash)).toEqual(route));
});
