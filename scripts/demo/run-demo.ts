import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ApiClient, apiClient, type RolloutView } from './api-client.ts';
import { DEMO_SPEC_PATH, type DemoSpec, prepareDemoSpec } from './demo-spec.ts';
import { newWebhookSecret, type ReceivedWebhook, startReceiver } from './receiver.ts';
import { DEMO_SCENARIO, type Scenario } from './scenario.ts';
import { startStack } from './stack.ts';
import { startTraffic, type Traffic } from './traffic.ts';

/** One reason of a rollback or verdict as the webhook carries it (PRODUCT.md §3). */
export interface Reason {
  readonly check: string;
  readonly value: unknown;
  readonly interval: unknown;
  readonly allowed: unknown;
  readonly samples?: unknown;
  readonly window?: unknown;
}

/** What happened, in order: the timeline the terminal prints and the e2e suite asserts. */
export type DemoEvent =
  | { kind: 'receiver'; url: string }
  | { kind: 'stack'; collectorUrl: string; privateRedis: boolean; logDir: string }
  | { kind: 'applied'; name: string; version: number }
  | { kind: 'started'; name: string }
  | { kind: 'phase'; phase: string; wave: number }
  | { kind: 'wave'; wave: number; percent: number; bakeMs: number }
  | { kind: 'webhook'; type: string; path: string; id: string }
  | { kind: 'verdict'; verdict: string; wave: number; decisionId: string; reasons: Reason[] }
  | { kind: 'approved'; wave: number }
  | { kind: 'regression'; wave: number; errorRate: number }
  | { kind: 'rollback'; decisionId: string; wave: number; reasons: Reason[]; afterRegressionMs: number }
  | { kind: 'report'; url: string; file: string; status: number; contentType: string }
  | { kind: 'stopped'; privateRedis: boolean };

export type TimedEvent = DemoEvent & { readonly atMs: number };

/** How far along the current bake is, for a progress indicator. */
export interface DemoStatus {
  readonly phase: string;
  readonly wave: number;
  readonly percent: number;
  readonly bakeStartedAt: number | null;
  readonly bakeMs: number;
  readonly contacts: { readonly treatment: number; readonly control: number };
  readonly regressed: boolean;
}

export interface DemoOptions {
  /** The repository root. */
  root: string;
  specPath?: string;
  /** Use this Redis instead of a private redis-server. */
  redisUrl?: string | undefined;
  /** The collector's port (0: any free one). */
  collectorPort?: number;
  /** Where the private Redis and the service logs go (wiped at start). */
  dataDir?: string;
  scenario?: Scenario;
  /** How long into wave 2 the compliance errors regress. */
  regressAfterMs?: number;
  seed?: number;
  signal?: AbortSignal;
  onEvent?: (event: TimedEvent) => void;
  /** Awaited after the report, before everything stops (`pnpm demo --keep`: until Ctrl-C). */
  keepRunning?: (signal: AbortSignal | undefined) => Promise<void>;
  /** Called on every poll of the rollout (4 times a second) with the bake's progress. */
  onProgress?: (status: DemoStatus) => void;
}

export interface DemoResult {
  readonly timeline: readonly TimedEvent[];
  readonly webhooks: readonly ReceivedWebhook[];
  readonly reportUrl: string;
  readonly reportFile: string;
  readonly rejectedWebhooks: number;
}

const POLL_MS = 250;

export class DemoAborted extends Error {
  override name = 'DemoAborted';
}

function reasonsOf(webhook: ReceivedWebhook): Reason[] {
  const reasons = webhook.body.data.reasons;
  return Array.isArray(reasons) ? (reasons as Reason[]) : [];
}

function waveOf(webhook: ReceivedWebhook): number {
  const wave = webhook.body.data.wave as { index?: unknown } | undefined;
  return typeof wave?.index === 'number' ? wave.index : 0;
}

/**
 * The contact-center copilot's release, compressed: bring the system up, apply the demo spec, send
 * both cohorts' metrics through the OpenTelemetry SDK, take wave 25% to a `go` verdict, approve
 * wave 50%, make compliance errors regress, and wait for the signed rollback. Everything it starts
 * is stopped before it returns or throws, also when `signal` aborts.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const startedAt = Date.now();
  const timeline: TimedEvent[] = [];
  const emit = (event: DemoEvent) => {
    const timed = { ...event, atMs: Date.now() - startedAt } as TimedEvent;
    timeline.push(timed);
    options.onEvent?.(timed);
  };
  const webhooks: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const signal = options.signal;
  const throwIfAborted = () => {
    if (signal?.aborted) throw new DemoAborted('the demo was interrupted');
  };
  // Sleeps until something happens (a webhook, an abort) or `ms` pass.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });

  const secret = newWebhookSecret();
  const receiver = await startReceiver({
    secret,
    onWebhook: (webhook) => {
      webhooks.push(webhook);
      emit({ kind: 'webhook', type: webhook.type, path: webhook.path, id: webhook.id });
      wake();
    },
  });
  let traffic: Traffic | undefined;
  let stopStack: (() => Promise<void>) | undefined;
  let privateRedis = false;
  try {
    emit({ kind: 'receiver', url: receiver.url });
    const dataDir = options.dataDir ?? join(options.root, '.data', 'demo');
    const specPath = options.specPath ?? join(options.root, DEMO_SPEC_PATH);
    const spec: DemoSpec = prepareDemoSpec(readFileSync(specPath, 'utf8'), receiver.url);
    throwIfAborted();

    const stack = await startStack({
      root: options.root,
      dataDir,
      redisUrl: options.redisUrl,
      collectorPort: options.collectorPort ?? 0,
      env: {
        ROLLBACK_SECRET: secret,
        SPEC_ENV_ALLOWED: 'ROLLBACK_SECRET',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      },
    });
    stopStack = () => stack.stop();
    privateRedis = stack.privateRedis;
    let died: string | undefined;
    void stack.died.then((message) => {
      died = message;
      wake();
    });
    const check = () => {
      throwIfAborted();
      if (died !== undefined) throw new Error(died);
    };
    emit({
      kind: 'stack',
      collectorUrl: stack.collectorUrl,
      privateRedis: stack.privateRedis,
      logDir: stack.logDir,
    });

    const api: ApiClient = apiClient(stack.collectorUrl);
    const existing = await api.rollout(spec.name);
    if (existing !== null && existing.phase !== 'pending') {
      throw new Error(
        `rollout ${spec.name} already exists on this Redis in phase ${existing.phase}: run the demo on a fresh Redis (unset REDIS_URL for a private one)`,
      );
    }
    const { version } = await api.putSpec(spec.name, spec.text);
    emit({ kind: 'applied', name: spec.name, version });

    const scenario = options.scenario ?? DEMO_SCENARIO;
    traffic = startTraffic({
      collectorUrl: stack.collectorUrl,
      scenario,
      flag: spec.flag,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    await pause(1_500);
    check();
    await api.act(spec.name, 'start', 'demo: release the copilot to wave 1');
    emit({ kind: 'started', name: spec.name });

    let view: RolloutView = { phase: 'pending', wave: 0, raw: {} };
    // Read through a function: the loops below wait for `follow()` to change it.
    const phase = (): string => view.phase;
    let bakeStartedAt: number | null = null;
    const follow = async () => {
      const next = await api.rollout(spec.name);
      if (next === null) throw new Error(`rollout ${spec.name} disappeared from the API`);
      if (next.phase !== view.phase || next.wave !== view.wave) {
        if (next.wave !== view.wave && next.wave > 0) {
          const wave = spec.waves[next.wave - 1];
          const percent = wave?.percent ?? 0;
          // The flag system would now serve the treatment to this share: the generator follows.
          traffic?.setMode({ treatmentPercent: percent });
          bakeStartedAt = Date.now();
          emit({ kind: 'wave', wave: next.wave, percent, bakeMs: wave?.bakeMs ?? 0 });
        }
        if (['rolled-back', 'aborted', 'completed'].includes(next.phase))
          traffic?.setMode({ treatmentPercent: 0 });
        emit({ kind: 'phase', phase: next.phase, wave: next.wave });
      }
      view = next;
      options.onProgress?.(progress());
    };
    const progress = (): DemoStatus => ({
      phase: view.phase,
      wave: view.wave,
      percent: traffic?.mode.treatmentPercent ?? 0,
      bakeStartedAt,
      bakeMs: spec.waves[view.wave - 1]?.bakeMs ?? 0,
      contacts: traffic?.counts.contacts ?? { treatment: 0, control: 0 },
      regressed: traffic?.mode.regressed ?? false,
    });

    // Wave 1 bakes to its checkpoint; a manual approval then waits for us.
    const wave1 = spec.waves[0];
    const wave1Deadline = Date.now() + 2 * (wave1?.bakeMs ?? 60_000) + 60_000;
    const verdictOf = () => webhooks.find((w) => w.type === 'rollout.verdict');
    while (phase() !== 'awaiting-approval' || verdictOf() === undefined) {
      check();
      if (Date.now() > wave1Deadline) {
        throw new Error(`wave 1 did not reach its checkpoint with a verdict in time (phase ${view.phase})`);
      }
      if (['rolled-back', 'aborted', 'paused', 'completed'].includes(view.phase)) {
        throw new Error(`wave 1 ended in phase ${view.phase} instead of waiting for approval`);
      }
      await follow();
      await pause(POLL_MS);
    }
    const verdict = verdictOf();
    if (verdict === undefined) throw new Error('no verdict webhook arrived');
    const verdictValue = String(verdict.body.data.verdict ?? 'unknown');
    emit({
      kind: 'verdict',
      verdict: verdictValue,
      wave: waveOf(verdict),
      decisionId: String(verdict.body.data.decisionId ?? verdict.id),
      reasons: reasonsOf(verdict),
    });
    if (verdictValue !== 'go') throw new Error(`wave 1's verdict was ${verdictValue}, not go`);

    await api.act(spec.name, 'approve', 'demo: the product owner approves wave 2');
    emit({ kind: 'approved', wave: 2 });
    const wave2Deadline = Date.now() + 30_000;
    while (view.wave < 2) {
      check();
      if (Date.now() > wave2Deadline)
        throw new Error(`wave 2 did not start after the approval (phase ${view.phase})`);
      await follow();
      await pause(POLL_MS);
    }

    const regressAt = Date.now() + (options.regressAfterMs ?? 20_000);
    while (Date.now() < regressAt) {
      check();
      await follow();
      if (phase() !== 'wave') throw new Error(`wave 2 ended in phase ${view.phase} before the regression`);
      await pause(POLL_MS);
    }
    traffic.setMode({ regressed: true });
    const regressedAt = Date.now();
    emit({ kind: 'regression', wave: 2, errorRate: scenario.complianceErrorRate.regressed });

    const rollbackDeadline = Date.now() + 60_000;
    const rollbackOf = () => webhooks.find((w) => w.type === 'rollout.rollback');
    while (rollbackOf() === undefined) {
      check();
      if (Date.now() > rollbackDeadline) {
        throw new Error(`no rollback webhook within 60 s of the regression (phase ${view.phase})`);
      }
      await follow();
      await pause(POLL_MS);
    }
    const rollback = rollbackOf();
    if (rollback === undefined) throw new Error('no rollback webhook arrived');
    traffic.setMode({ treatmentPercent: 0 });
    const decisionId = String(rollback.body.data.decisionId ?? rollback.id);
    emit({
      kind: 'rollback',
      decisionId,
      wave: waveOf(rollback),
      reasons: reasonsOf(rollback),
      afterRegressionMs: rollback.receivedAt - regressedAt,
    });
    const phaseDeadline = Date.now() + 10_000;
    while (phase() !== 'rolled-back' && Date.now() < phaseDeadline) {
      check();
      await follow();
      await pause(POLL_MS);
    }

    const reportUrl = api.decisionUrl(spec.name, decisionId);
    const report = await fetch(reportUrl, {
      headers: { accept: 'text/html' },
      signal: AbortSignal.timeout(5_000),
    });
    const html = await report.text();
    // A copy that outlives the services: the demo stops them, the file stays.
    const reportFile = join(dataDir, `decision-${decisionId.replace(/[^A-Za-z0-9_.-]/g, '_')}.html`);
    writeFileSync(reportFile, html);
    emit({
      kind: 'report',
      url: reportUrl,
      file: reportFile,
      status: report.status,
      contentType: report.headers.get('content-type') ?? '',
    });
    if (options.keepRunning !== undefined) await options.keepRunning(signal);
    return { timeline, webhooks, reportUrl, reportFile, rejectedWebhooks: receiver.rejected };
  } finally {
    await traffic?.stop();
    await stopStack?.();
    await receiver.close();
    emit({ kind: 'stopped', privateRedis });
  }
}
