import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttemptRecord, attemptDelivery, nextStep } from './attempt.ts';
import { secretResolver } from './secret.ts';
import type { FlagsmithTarget, LaunchDarklyTarget } from './targets.ts';
import { advanceEvent, rollbackEvent } from './test-events.ts';
import {
  type FlagsmithServer,
  launchDarklyTarget,
  startFlagsmith,
  startLaunchDarkly,
  type VendorServer,
} from './vendor-test-servers.ts';

// Every launchdarkly and flagsmith request against a server that enforces the vendor's published API
// definition (vendor-apis/) and answers as the vendor does, rate limits included.

const env = {
  LD_TOKEN: 'api-0f1e2d3c-launchdarkly',
  FLAGSMITH_TOKEN: 'flagsmith-org-api-token',
  SPEC_ENV_ALLOWED: 'LD_TOKEN,FLAGSMITH_TOKEN',
};
const egress = createEgress({ ...defaultEgressPolicy, allowLoopback: true });
afterAll(() => egress.close());
const deliver = (event: typeof rollbackEvent, target: LaunchDarklyTarget | FlagsmithTarget) =>
  attemptDelivery(event, target, {
    resolveSecret: secretResolver(env),
    path: 'actions.x[0]',
    timeoutMs: 2_000,
    egress,
  });

/** The delay nextStep schedules after `record`, with the least jitter: the floor the vendor asked for shows. */
function scheduled(record: AttemptRecord): number {
  const step = nextStep(record, 1, record.at, record.at, () => 0);
  if (step.outcome !== 'retry') throw new Error(`expected a retry, got ${step.outcome}`);
  return step.delayMs;
}

describe('launchdarkly against LaunchDarkly’s semantic patch API', () => {
  let ld: VendorServer;
  const variations = ['var-treatment-1', 'var-control-0'];
  beforeAll(async () => {
    ld = await startLaunchDarkly({
      token: env.LD_TOKEN,
      project: 'support',
      flag: 'copilot-assist',
      environment: 'production',
      variations,
      rateLimit: { resetInMs: 30_000 },
    });
  });
  afterAll(() => ld.close());
  const target = (overrides: Partial<LaunchDarklyTarget> = {}): LaunchDarklyTarget => ({
    ...launchDarklyTarget(ld.url, {
      project: 'support',
      environment: 'production',
      variations: { treatment: 'var-treatment-1', control: 'var-control-0' },
    }),
    ...overrides,
  });

  it('turns the flag off and sets the fallthrough rollout as the API accepts them', async () => {
    expect((await deliver(rollbackEvent, target())).outcome).toBe('delivered');
    expect((await deliver(advanceEvent, target())).outcome).toBe('delivered');
    const [off, rollout] = ld.accepted.slice(-2).map((r) => JSON.parse(r.body));
    expect(off.instructions).toEqual([{ kind: 'turnFlagOff' }]);
    expect(rollout.instructions).toEqual([
      {
        kind: 'updateFallthroughVariationOrRollout',
        rolloutWeights: { 'var-treatment-1': 100_000, 'var-control-0': 0 },
      },
    ]);
  });

  it('retries what LaunchDarkly refuses, with its error in the log', async () => {
    const wrongIds = await deliver(advanceEvent, target({ variations: { treatment: 'a', control: 'b' } }));
    expect(wrongIds).toMatchObject({ outcome: 'retry', status: 400 });
    expect(wrongIds.responseExcerpt).toContain('invalid_request');
    const wrongEnvironment = await deliver(rollbackEvent, target({ environment: 'prod' }));
    expect(wrongEnvironment.responseExcerpt).toContain('Unknown environment key prod');
    const unknownFlag = await deliver(rollbackEvent, target({ project: 'other' }));
    expect(unknownFlag).toMatchObject({ outcome: 'retry', status: 404 });
  });

  it('waits until X-Ratelimit-Reset after a 429, then gets through', async () => {
    ld.rateLimit(1);
    const limited = await deliver(rollbackEvent, target());
    expect(limited).toMatchObject({ outcome: 'retry', status: 429 });
    expect(limited.retryAfterMs).toBeGreaterThan(25_000);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(scheduled(limited)).toBeGreaterThanOrEqual(limited.retryAfterMs!);
    expect((await deliver(rollbackEvent, target())).outcome).toBe('delivered');
  });

  it('prefers Retry-After when a global limit sends it too', async () => {
    const global = await startLaunchDarkly({
      token: env.LD_TOKEN,
      project: 'support',
      flag: 'copilot-assist',
      environment: 'production',
      variations,
      rateLimit: { resetInMs: 30_000, retryAfterSeconds: 120 },
    });
    global.rateLimit(1);
    const limited = await deliver(rollbackEvent, target({ url: global.url }));
    await global.close();
    expect(limited.retryAfterMs).toBe(120_000);
    expect(scheduled(limited)).toBeGreaterThanOrEqual(120_000);
  });

  it('refuses a body outside the published schema', async () => {
    const res = await fetch(`${ld.url}/api/v2/flags/support/copilot-assist`, {
      method: 'PATCH',
      headers: {
        authorization: env.LD_TOKEN,
        'content-type': 'application/json; domain-model=launchdarkly.semanticpatch',
      },
      body: JSON.stringify({
        environmentKey: 'production',
        instructions: [{ kind: 'turnFlagOff', value: false }],
      }),
    });
    expect(res.status).toBe(400);
  });
});

describe('flagsmith against Flagsmith’s update-flag API', () => {
  let fs: FlagsmithServer;
  beforeAll(async () => {
    fs = await startFlagsmith({
      token: env.FLAGSMITH_TOKEN,
      environment: 'ser.EnvKey123',
      feature: 'copilot-assist',
      optionIds: [991],
      retryAfterSeconds: 45,
    });
  });
  afterAll(() => fs.close());
  const target = (overrides: Partial<FlagsmithTarget> = {}): FlagsmithTarget => ({
    format: 'flagsmith',
    url: `${fs.url}/api/v1`,
    token: { env: 'FLAGSMITH_TOKEN' },
    environment: 'ser.EnvKey123',
    variant: { optionId: 991 },
    ...overrides,
  });

  /** A body of our own choosing, straight to the update endpoint. */
  const postUpdate = (body: unknown) =>
    fetch(`${fs.url}/api/experiments/environments/ser.EnvKey123/update-flag-v1/`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${env.FLAGSMITH_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('disables the feature and re-weights the treatment option as the API accepts them', async () => {
    expect(await deliver(rollbackEvent, target())).toMatchObject({ outcome: 'delivered', status: 204 });
    expect(await deliver(advanceEvent, target())).toMatchObject({ outcome: 'delivered', status: 204 });
    expect(fs.accepted.slice(-2).map((r) => JSON.parse(r.body))).toEqual([
      { feature: { name: 'copilot-assist' }, enabled: false },
      {
        feature: { name: 'copilot-assist' },
        multivariate_options: [{ id: 991, percentage_allocation: 100 }],
      },
    ]);
  });

  it('writes the option value the spec names, so the option serves the treatment variant; without one it is kept', async () => {
    expect(await deliver(advanceEvent, target({ variant: { optionId: 991, value: 'v2' } }))).toMatchObject({
      outcome: 'delivered',
    });
    expect(JSON.parse(fs.accepted.at(-1)?.body ?? '{}')).toEqual({
      feature: { name: 'copilot-assist' },
      multivariate_options: [{ id: 991, percentage_allocation: 100, value: { type: 'string', value: 'v2' } }],
    });
    expect(fs.optionValues.get(991)).toEqual({ type: 'string', value: 'v2' });
    expect(await deliver(advanceEvent, target())).toMatchObject({ outcome: 'delivered' });
    expect(fs.optionValues.get(991)).toEqual({ type: 'string', value: 'v2' });
    expect(await deliver(advanceEvent, target({ variant: { optionId: 991, value: 2 } }))).toMatchObject({
      outcome: 'delivered',
    });
    expect(fs.optionValues.get(991)).toEqual({ type: 'integer', value: '2' });
  });

  it('retries what Flagsmith refuses, with its error in the log', async () => {
    const unknownOption = await deliver(advanceEvent, target({ variant: { optionId: 7 } }));
    expect(unknownOption).toMatchObject({ outcome: 'retry', status: 400 });
    expect(unknownOption.responseExcerpt).toContain('do not belong to the feature');
    expect((await deliver(rollbackEvent, target({ environment: 'other' }))).status).toBe(404);
  });

  it('honours Retry-After on a throttled request, then gets through', async () => {
    fs.rateLimit(1);
    const limited = await deliver(rollbackEvent, target());
    expect(limited).toMatchObject({ outcome: 'retry', status: 429, retryAfterMs: 45_000 });
    expect(limited.responseExcerpt).toContain('Request was throttled');
    expect(scheduled(limited)).toBeGreaterThanOrEqual(45_000);
    expect((await deliver(rollbackEvent, target())).outcome).toBe('delivered');
  });

  it('refuses an option value that does not read as its type, as Flagsmith does', async () => {
    const res = await postUpdate({
      feature: { name: 'copilot-assist' },
      multivariate_options: [
        { id: 991, percentage_allocation: 50, value: { type: 'integer', value: 'two' } },
      ],
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("'two' is not a valid integer");
  });

  it('refuses the older feature-state body the schema does not know', async () => {
    const res = await postUpdate({
      feature: { name: 'copilot-assist' },
      multivariate_feature_state_values: [{ multivariate_feature_option: 991, percentage_allocation: 50 }],
    });
    expect(res.status).toBe(400);
  });
});
