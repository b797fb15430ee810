import { createEgress, defaultEgressPolicy } from '@rollout-guard/shared/egress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttemptRecord, attemptDelivery, nextStep } from './attempt.ts';
import { type FlagsmithServer, startFlagsmith } from './flagsmith-test-server.ts';
import { secretResolver } from './secret.ts';
import type { FlagsmithTarget, LaunchDarklyTarget } from './targets.ts';
import { advanceEvent, rollbackEvent } from './test-events.ts';
import { launchDarklyTarget, startLaunchDarkly, type VendorServer } from './vendor-test-servers.ts';

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

describe('flagsmith against Flagsmith’s feature-state API', () => {
  let fs: FlagsmithServer;
  beforeAll(async () => {
    fs = await startFlagsmith({
      token: env.FLAGSMITH_TOKEN,
      environment: 'ser.EnvKey123',
      feature: 'copilot-assist',
      optionIds: [991, 992],
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
  const writes = () => fs.accepted.filter((r) => r.method !== 'GET');
  const stateUrl = `/api/v1/environments/ser.EnvKey123/featurestates/31/`;

  /** A request of our own choosing, straight to the feature state. */
  const write = (method: 'PATCH' | 'PUT', body: unknown, authorization = `Api-Key ${env.FLAGSMITH_TOKEN}`) =>
    fetch(`${fs.url}${stateUrl}`, {
      method,
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('looks the feature state up by name, then switches it off or sets the treatment option as the API accepts them', async () => {
    const before = fs.accepted.length;
    expect(await deliver(advanceEvent, target())).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(fs.state.multivariate_feature_state_values).toEqual([
      { id: 500, multivariate_feature_option: 991, percentage_allocation: 100 },
      { id: 501, multivariate_feature_option: 992, percentage_allocation: 0 },
    ]);
    expect(fs.state.enabled).toBe(true);
    expect(await deliver(rollbackEvent, target())).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(fs.state.enabled).toBe(false);
    expect(fs.accepted.slice(before).map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      [
        'GET',
        '/api/v1/environments/ser.EnvKey123/featurestates/?feature_name=copilot-assist',
        `Api-Key ${env.FLAGSMITH_TOKEN}`,
      ],
      ['PUT', stateUrl, `Api-Key ${env.FLAGSMITH_TOKEN}`],
      [
        'GET',
        '/api/v1/environments/ser.EnvKey123/featurestates/?feature_name=copilot-assist',
        `Api-Key ${env.FLAGSMITH_TOKEN}`,
      ],
      ['PATCH', stateUrl, `Api-Key ${env.FLAGSMITH_TOKEN}`],
    ]);
    expect(
      writes()
        .slice(-1)
        .map((r) => JSON.parse(r.body)),
    ).toEqual([{ enabled: false }]);
  });

  it('switches a feature that is off back on with an advance, as the wave’s percent needs it served', async () => {
    expect(await deliver(rollbackEvent, target())).toMatchObject({ outcome: 'delivered' });
    expect(fs.state.enabled).toBe(false);
    expect(await deliver(advanceEvent, target())).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(fs.state.enabled).toBe(true);
    expect(fs.state.multivariate_feature_state_values[0]?.percentage_allocation).toBe(100);
    expect(JSON.parse(writes().at(-1)?.body ?? '{}')).toMatchObject({ enabled: true });
  });

  it('says when the environment or the feature is missing, and retries', async () => {
    const noEnvironment = await deliver(rollbackEvent, target({ environment: 'ser.Other' }));
    expect(noEnvironment).toMatchObject({ outcome: 'retry', status: 404 });
    expect(noEnvironment.error).toContain('environment ser.Other is not known to');
    const otherFlag = structuredClone(rollbackEvent);
    otherFlag.data.flag = 'nope';
    const noFeature = await deliver(otherFlag, target());
    expect(noFeature).toMatchObject({ outcome: 'retry', status: 200 });
    expect(noFeature.error).toContain('feature nope is not in the project of environment ser.EnvKey123');
  });

  it('stops an advance naming an option the feature does not have, before writing anything', async () => {
    const count = writes().length;
    const record = await deliver(advanceEvent, target({ variant: { optionId: 7 } }));
    expect(record).toMatchObject({ outcome: 'stopped' });
    expect(record.error).toContain(
      'actions.x[0]: variant.optionId 7 is not a multivariate option of the feature (it has 991, 992)',
    );
    expect(writes()).toHaveLength(count);
  });

  it('honours Retry-After on a throttled request, then gets through', async () => {
    fs.rateLimit(1);
    const limited = await deliver(rollbackEvent, target());
    expect(limited).toMatchObject({ outcome: 'retry', status: 429, retryAfterMs: 45_000 });
    expect(limited.responseExcerpt).toContain('Request was throttled');
    expect(scheduled(limited)).toBeGreaterThanOrEqual(45_000);
    expect((await deliver(rollbackEvent, target())).outcome).toBe('delivered');
  });

  it('refuses what Flagsmith refuses, in its error shape', async () => {
    const overAllocated = await write('PUT', {
      multivariate_feature_state_values: [
        { id: 500, multivariate_feature_option: 991, percentage_allocation: 60 },
        { id: 501, multivariate_feature_option: 992, percentage_allocation: 50 },
      ],
    });
    expect([overAllocated.status, await overAllocated.json()]).toEqual([
      400,
      { non_field_errors: ['Multivariate percentage values exceed 100%.'] },
    ]);
    const unknownOption = await write('PUT', {
      multivariate_feature_state_values: [{ multivariate_feature_option: 7, percentage_allocation: 5 }],
    });
    expect(unknownOption.status).toBe(400);
    expect(await unknownOption.text()).toContain('Invalid pk \\"7\\" - object does not exist.');
    // PATCH is read by a serializer of feature and enabled only: values sent there would be lost.
    const lostOnPatch = await write('PATCH', {
      multivariate_feature_state_values: [
        { id: 500, multivariate_feature_option: 991, percentage_allocation: 5 },
      ],
    });
    expect([lostOnPatch.status, await lostOnPatch.json()]).toEqual([
      400,
      { non_field_errors: ['Unknown field: multivariate_feature_state_values'] },
    ]);
    const badType = await write('PATCH', { enabled: 'no' });
    expect(badType.status).toBe(400);
    expect(await badType.json()).toHaveProperty('enabled');
    expect((await write('PATCH', { enabled: true }, 'Bearer x')).status).toBe(401);
    expect((await write('PATCH', { enabled: true }, `Token ${env.FLAGSMITH_TOKEN}`)).status).toBe(200);
  });
});
