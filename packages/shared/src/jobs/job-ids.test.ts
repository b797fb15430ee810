import { describe, expect, it } from 'vitest';
import { checkpointJobId, deliverJobId, pollPromqlSchedulerId } from './job-ids.ts';

describe('job ids', () => {
  it.each([
    [
      checkpointJobId('web-checkout:v3:wave-1:bake-elapsed:1700000000000'),
      'cp.web-checkout_v3_wave-1_bake-elapsed_1700000000000',
    ],
    [deliverJobId('dec_ab12:rollback:0'), 'dl.dec_ab12_rollback_0'],
    [pollPromqlSchedulerId('a', 'p99 latency'), 'pq.a.p99_latency'],
  ])('%s', (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('never contains the BullMQ key separator', () => {
    expect(deliverJobId('a:b:c:d')).not.toContain(':');
  });
});
