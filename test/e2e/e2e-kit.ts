import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { type ApiClient, apiClient } from '../../scripts/demo/api-client.ts';
import {
  newWebhookSecret,
  type ReceivedWebhook,
  type Receiver,
  startReceiver,
} from '../../scripts/demo/receiver.ts';
import type { Scenario, TrafficMode } from '../../scripts/demo/scenario.ts';
import { type Stack, startStack } from '../../scripts/demo/stack.ts';
import { startTraffic, type Traffic } from '../../scripts/demo/traffic.ts';

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

/** One rollout of a test, with its own seeded flow of contact-center traffic. */
export interface RolloutRun {
  readonly name: string;
  readonly spec: string;
  readonly flag: string;
  readonly scenario: Scenario;
  readonly seed: number;
  /** The reason the start is recorded with. */
  readonly reason: string;
  /** The treatment's share (and regression) once started. */
  readonly mode: Partial<TrafficMode>;
}

export interface SystemInUse {
  /** The running system (started before the file's tests). */
  system(): E2eSystem;
  /** Applies the rollout's spec, starts its traffic and the rollout, then sets the treatment's mode. */
  startRollout(run: RolloutRun): Promise<Traffic>;
}

/** For a file of end-to-end tests: one system for the file; it and every flow of traffic stopped after. */
export function useSystem(): SystemInUse {
  let system: E2eSystem | undefined;
  const flows: Traffic[] = [];
  beforeAll(async () => {
    system = await startSystem();
  }, 90_000);
  afterAll(async () => {
    await Promise.all(flows.map((flow) => flow.stop()));
    await system?.stop();
  });
  const running = () => {
    if (system === undefined)
      throw new Error('the e2e system is not started (useSystem() runs in beforeAll)');
    return system;
  };
  return {
    system: running,
    async startRollout(run) {
      const at = running();
      await at.api.putSpec(run.name, run.spec);
      const flow = startTraffic({
        collectorUrl: at.stack.collectorUrl,
        scenario: run.scenario,
        flag: run.flag,
        seed: run.seed,
      });
      flows.push(flow);
      await at.api.act(run.name, 'start', run.reason);
      flow.setMode(run.mode);
      return flow;
    },
  };
}
