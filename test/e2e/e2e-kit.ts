import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ApiClient, apiClient } from '../../scripts/demo/api-client.ts';
import {
  newWebhookSecret,
  type ReceivedWebhook,
  type Receiver,
  startReceiver,
} from '../../scripts/demo/receiver.ts';
import { type Stack, startStack } from '../../scripts/demo/stack.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The whole system as `pnpm demo` runs it (private Redis, collector, evaluator) plus a webhook receiver. */
export interface E2eSystem {
  readonly stack: Stack;
  readonly receiver: Receiver;
  readonly api: ApiClient;
  readonly webhooks: ReceivedWebhook[];
  /** Resolves with the first webhook of `type` (already received or yet to come), or rejects after `timeoutMs`. */
  webhook(type: string, timeoutMs: number): Promise<ReceivedWebhook>;
  stop(): Promise<void>;
}

export async function startSystem(): Promise<E2eSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rg-e2e-'));
  const secret = newWebhookSecret();
  const webhooks: ReceivedWebhook[] = [];
  const listeners = new Set<() => void>();
  const receiver = await startReceiver({
    secret,
    onWebhook: (w) => {
      webhooks.push(w);
      for (const listener of listeners) listener();
    },
  });
  let stack: Stack;
  try {
    stack = await startStack({
      root,
      dataDir,
      collectorPort: 0,
      // Webhooks go to a receiver on loopback, and specs read the secret as env:ROLLBACK_SECRET.
      env: {
        ROLLBACK_SECRET: secret,
        LOG_LEVEL: 'warn',
        EGRESS_ALLOW_LOOPBACK: 'true',
        SPEC_ENV_ALLOWED: 'ROLLBACK_SECRET',
      },
    });
  } catch (error) {
    await receiver.close();
    throw error;
  }
  return {
    stack,
    receiver,
    api: apiClient(stack.collectorUrl),
    webhooks,
    webhook(type, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = webhooks.find((w) => w.type === type);
          if (found === undefined) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `no ${type} webhook within ${timeoutMs} ms; received: ${webhooks.map((w) => w.type).join(', ') || 'none'}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop() {
      await stack.stop();
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
