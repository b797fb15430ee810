import { startRedis, type TestRedis } from '@rollout-guard/shared/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluatorMetrics } from '../metrics/evaluator-metrics.ts';
import { startCatalogWorker } from './catalog-worker.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
});
afterAll(async () => {
  await redis.stop();
});

describe('a catalog worker', () => {
  it('logs a worker error (Redis lost, a lock not renewed) instead of letting it end the process', async () => {
    const logged: Array<{ fields: object; message: string }> = [];
    const worker = startCatalogWorker('tick', async () => undefined, {
      connection: { url: redis.url, maxRetriesPerRequest: null },
      prefix: 'catalog-worker-test',
      concurrency: 1,
      metrics: createEvaluatorMetrics(new Registry()),
      log: { error: (fields, message) => logged.push({ fields, message }) },
    });
    try {
      // An 'error' event with no listener is thrown by the emitter.
      expect(() => worker.emit('error', new Error('Connection is closed.'))).not.toThrow();
      expect(logged).toEqual([
        { fields: expect.objectContaining({ queue: 'tick' }), message: 'tick worker: Connection is closed.' },
      ]);
    } finally {
      await worker.close();
    }
  });
});
