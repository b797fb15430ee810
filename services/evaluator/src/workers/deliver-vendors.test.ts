import type { ActionTarget } from '@rollout-guard/shared/spec';
import { operate, testSpec } from '@rollout-guard/shared/store';
import { afterEach, describe, expect, it } from 'vitest';
import { startFlagsmith } from '../delivery/flagsmith-test-server.ts';
import { launchDarklyTarget, startLaunchDarkly, type VendorServer } from '../delivery/vendor-test-servers.ts';
import type { EvaluatorCore } from '../evaluator.ts';
import { useEvaluatorTestBed } from '../evaluator-test-kit.ts';

// The deliver worker against servers that enforce LaunchDarkly's and Flagsmith's published APIs and
// rate-limit the first request: the retry waits for the time the vendor asked for, then gets through.

const bed = useEvaluatorTestBed();
const env = {
  LD_TOKEN: 'api-0f1e2d3c-launchdarkly',
  FLAGSMITH_TOKEN: 'flagsmith-org-api-token',
  // Read by the evaluator once `env:` references need an opt-in, and by its egress policy.
  SPEC_ENV_ALLOWED: 'LD_TOKEN,FLAGSMITH_TOKEN',
  EGRESS_ALLOW_LOOPBACK: 'true',
};
let vendor: VendorServer | undefined;
let evaluator: EvaluatorCore | undefined;
afterEach(async () => {
  await vendor?.close();
  vendor = undefined;
});

/** Stores the test rollout with `actions` and starts it: its `advance` decision goes out at once. */
async function startWith(actions: { advance: ActionTarget[]; rollback: ActionTarget[] }) {
  evaluator = await bed.startEvaluator({
    env,
    retryPolicy: { baseMs: 20, capMs: 160, giveUpAfterMs: 60_000 },
  });
  const spec = testSpec('vendors');
  await bed.store.putSpec({
    spec: { ...spec, spec: { ...spec.spec, actions: { ...spec.spec.actions, ...actions, verdict: [] } } },
    source: '',
    contentType: 'application/json',
    actor: 'ana',
  });
  const started = await operate(bed.store, 'vendors', 'start', 'ana');
  if (!started.ok) throw new Error(started.reason);
  return started.decisions[0]!;
}

async function deliveredAttempts(deliveryId: string) {
  await expect
    .poll(async () => (await evaluator!.ctx.deliveryLog.get(deliveryId))?.status, { timeout: 15_000 })
    .toBe('delivered');
  return evaluator!.ctx.deliveryLog.attempts(deliveryId);
}

describe('deliver to the flag systems’ APIs', () => {
  it('waits out LaunchDarkly’s X-Ratelimit-Reset before sending the advance again', async () => {
    vendor = await startLaunchDarkly({
      token: env.LD_TOKEN,
      project: 'support',
      flag: 'vendors-flag',
      environment: 'production',
      variations: ['var-on', 'var-off'],
      rateLimit: { resetInMs: 1_500 },
    });
    vendor.rateLimit(1);
    const target = launchDarklyTarget(vendor.url, {
      project: 'support',
      environment: 'production',
      variations: { treatment: 'var-on', control: 'var-off' },
    });
    const advance = await startWith({ advance: [target], rollback: [target] });
    const attempts = await deliveredAttempts(`${advance.id}.advance.0`);
    expect(attempts.map((a) => [a.status, a.outcome])).toEqual([
      [429, 'retry'],
      [200, 'delivered'],
    ]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_400);
    expect(JSON.parse(vendor.accepted[0]!.body).instructions[0]).toEqual({
      kind: 'updateFallthroughVariationOrRollout',
      rolloutWeights: { 'var-on': 25_000, 'var-off': 75_000 },
    });

    const rollback = await operate(bed.store, 'vendors', 'rollback', 'ana', 'tickets spiking');
    if (!rollback.ok) throw new Error(rollback.reason);
    await deliveredAttempts(`${rollback.decisions[0]!.id}.rollback.0`);
    expect(JSON.parse(vendor.accepted.at(-1)!.body).instructions).toEqual([{ kind: 'turnFlagOff' }]);
  });

  it('waits out Flagsmith’s Retry-After before turning the feature off', async () => {
    const flagsmith = await startFlagsmith({
      token: env.FLAGSMITH_TOKEN,
      environment: 'ser.EnvKey123',
      feature: 'vendors-flag',
      optionIds: [991],
      retryAfterSeconds: 1,
    });
    vendor = flagsmith;
    const target: ActionTarget = {
      format: 'flagsmith',
      url: `${flagsmith.url}/api/v1`,
      token: { env: 'FLAGSMITH_TOKEN' },
      environment: 'ser.EnvKey123',
      variant: { optionId: 991 },
    };
    const advance = await startWith({ advance: [target], rollback: [target] });
    await deliveredAttempts(`${advance.id}.advance.0`);
    expect(flagsmith.state.multivariate_feature_state_values).toEqual([
      { id: 500, multivariate_feature_option: 991, percentage_allocation: 25 },
    ]);
    flagsmith.rateLimit(1);
    const rollback = await operate(bed.store, 'vendors', 'rollback', 'ana');
    if (!rollback.ok) throw new Error(rollback.reason);
    const attempts = await deliveredAttempts(`${rollback.decisions[0]!.id}.rollback.0`);
    // The throttled attempt is the lookup; the retry reads the feature state again and switches it off.
    expect(attempts.map((a) => [a.status, a.outcome])).toEqual([
      [429, 'retry'],
      [200, 'delivered'],
    ]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(flagsmith.accepted.map((r) => [r.method, r.method === 'GET' ? '' : JSON.parse(r.body)])).toEqual([
      ['GET', ''],
      [
        'PUT',
        {
          enabled: true,
          multivariate_feature_state_values: [
            { id: 500, multivariate_feature_option: 991, percentage_allocation: 25 },
          ],
        },
      ],
      ['GET', ''],
      ['PATCH', { enabled: false }],
    ]);
    expect(flagsmith.state.enabled).toBe(false);
  });
});
