import { rolloutKeys } from '@rollout-guard/shared/redis';
import { operate } from '@rollout-guard/shared/store';
import type { Context } from 'hono';
import { z } from 'zod';
import type { App } from '../app.ts';
import { authenticate } from '../auth/require-scope.ts';
import type { Scope } from '../auth/scopes.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses } from './api-schemas.ts';
import { FLAGGER_HOOKS, type FlaggerHook, flaggerGate } from './flagger-gate.ts';
import { rolloutOr404 } from './lookup.ts';
import { VERDICT_DECISIONS, VerdictAnswer, verdictAnswer } from './verdict.ts';

/** Flagger's webhook body (docs/gitbook/usage/webhooks.md of fluxcd/flagger); unknown fields are ignored. */
export const FlaggerPayload = z
  .object({
    name: z.string().min(1).meta({ description: 'The Canary’s name', example: 'podinfo' }),
    namespace: z.string().min(1),
    phase: z.string().meta({ description: 'The Canary’s phase: Progressing, Waiting, WaitingPromotion…' }),
    checksum: z.string().optional().meta({ description: 'Identifies the canary revision being analysed' }),
    metadata: z.record(z.string(), z.string()).optional().meta({
      description:
        'The webhook’s metadata: `rollout` names the rollout (default: the Canary’s name); `token` a bearer token when Flagger cannot send headers',
    }),
  })
  .meta({ id: 'FlaggerPayload' });
export type FlaggerPayload = z.infer<typeof FlaggerPayload>;

export const FlaggerAnswer = VerdictAnswer.extend({
  hook: z.enum(FLAGGER_HOOKS),
  open: z.boolean().meta({ description: 'true with 200; false with 409: Flagger waits and asks again' }),
  gate: z.string().meta({ description: 'Why the gate is open or closed' }),
  steps: z.number().int().meta({ description: 'Traffic steps granted to this canary revision so far' }),
}).meta({ id: 'FlaggerAnswer' });
export type FlaggerAnswer = z.infer<typeof FlaggerAnswer>;

/** The gates that move traffic approve waves, so they need `operate`; the others only read. */
const HOOK_SCOPE: Record<FlaggerHook, Scope> = {
  'confirm-rollout': 'read',
  'confirm-traffic-increase': 'operate',
  'confirm-promotion': 'operate',
  rollback: 'read',
};

const STEP_HOOKS: readonly FlaggerHook[] = ['confirm-traffic-increase', 'confirm-promotion'];

function isHook(value: string): value is FlaggerHook {
  return (FLAGGER_HOOKS as readonly string[]).includes(value);
}

async function payloadOf(c: Context): Promise<FlaggerPayload> {
  let data: unknown;
  try {
    data = JSON.parse(await c.req.text());
  } catch {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: 'The body is not JSON; Flagger sends {"name", "namespace", "phase", "checksum", "metadata"}',
    });
  }
  const parsed = FlaggerPayload.safeParse(data);
  if (!parsed.success) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `Not a Flagger webhook body: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`,
    });
  }
  return parsed.data;
}

/** Flagger's webhooks carry no headers: a token may come as `metadata.token` instead of `Authorization`. */
function authorize(deps: ApiDeps, c: Context, payload: FlaggerPayload, scope: Scope): string {
  const header = c.req.header('authorization');
  const token = payload.metadata?.token;
  const principal = authenticate(
    deps.tokens,
    header ?? (token === undefined ? undefined : `Bearer ${token}`),
  );
  if (!principal.scopes.includes(scope)) {
    throw new AppError({
      code: 'FORBIDDEN',
      message: `Token "${principal.name}" has the scopes ${principal.scopes.join(', ') || 'none'}; the Flagger ${c.req.param('hook')} hook needs ${scope}`,
    });
  }
  const taken = deps.limiter.take(principal.name);
  if (!taken.ok) {
    throw new AppError({
      code: 'TOO_MANY_REQUESTS',
      message: `Token "${principal.name}" sent more API requests than allowed; retry after ${taken.retryAfterSeconds} s`,
      retryAfterSeconds: taken.retryAfterSeconds,
    });
  }
  return principal.name;
}

/**
 * Steps granted to this canary revision in this run of the rollout; a new revision (Flagger's checksum) or
 * a new run (the rollout started again after it ended) starts from 0.
 */
async function stepsGranted(deps: ApiDeps, rollout: string, counter: StepCounter): Promise<number> {
  const [checksum, run, steps] = await deps.redis.hmget(
    rolloutKeys(rollout).flaggerSteps,
    'checksum',
    'run',
    'steps',
  );
  return checksum === counter.checksum && run === counter.run ? Number(steps ?? 0) : 0;
}

function recentDecisions(deps: ApiDeps, rollout: string) {
  return deps.store.listDecisions(rollout, { limit: VERDICT_DECISIONS });
}

interface StepCounter {
  readonly checksum: string;
  /** When the rollout's first wave began: tells runs of the same rollout apart. */
  readonly run: string;
}

/**
 * `POST /api/v1/flagger/{hook}`: Flagger's `confirm-rollout`, `confirm-traffic-increase`,
 * `confirm-promotion` and `rollback` webhooks (deploy/flagger/). 200 opens the gate, 409 keeps it closed
 * with the reason in the body (Flagger logs it in the canary's events). `metadata.rollout` names the
 * rollout; without it, the Canary's name.
 */
export function registerFlagger(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'post',
    path: '/api/v1/flagger/{hook}',
    summary: 'Flagger webhooks: gates open (200) on a go, the rollback hook once rollout-guard rolled back',
    tags: ['controllers'],
    request: {
      params: z.object({ hook: z.enum(FLAGGER_HOOKS) }),
      body: { required: true, content: { 'application/json': { schema: FlaggerPayload } } },
    },
    responses: {
      200: {
        description: 'Open: Flagger goes on',
        content: { 'application/json': { schema: FlaggerAnswer } },
      },
      409: {
        description: 'Closed: Flagger waits and asks again',
        content: { 'application/json': { schema: FlaggerAnswer } },
      },
      ...errorResponses(400, 404),
    },
  });

  app.post('/api/v1/flagger/:hook', async function flaggerHook(c) {
    const hook = c.req.param('hook');
    if (!isHook(hook)) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `No Flagger hook "${hook}"; rollout-guard answers ${FLAGGER_HOOKS.join(', ')}`,
      });
    }
    const payload = await payloadOf(c);
    const actor = authorize(deps, c, payload, HOOK_SCOPE[hook]);
    const name = payload.metadata?.rollout ?? payload.name;
    const { state } = await rolloutOr404(deps, name).catch((error: unknown) => {
      if (!(error instanceof AppError) || payload.metadata?.rollout !== undefined) throw error;
      throw new AppError({
        code: 'NOT_FOUND',
        message: `${error.message}; or name the rollout of Canary ${payload.namespace}/${payload.name} in the webhook's metadata.rollout`,
      });
    });
    const counter: StepCounter = {
      checksum: payload.checksum ?? '',
      run: String(state.state.history[0]?.startedAt ?? 0),
    };
    const steps = STEP_HOOKS.includes(hook) ? await stepsGranted(deps, name, counter) : 0;
    let gate = flaggerGate(hook, state.state, await recentDecisions(deps, name), steps);
    let after = state;
    if (gate.approve) {
      const reason = `Flagger canary ${payload.namespace}/${payload.name}: ${hook}`;
      const result = await operate(deps.store, name, 'approve', `flagger:${actor}`, reason, deps.now());
      if (result.ok) {
        await deps.jobs.evaluate(name, 'operator').catch((error: unknown) => {
          deps.logger.warn(
            { err: error, rollout: name },
            'could not ask for an evaluation after a Flagger approval',
          );
        });
        after = (await deps.store.getState(name)) ?? state;
      } else {
        // A retry of this call (Flagger timed out and asked again) may have approved the wave first: judged
        // again on the rollout as it now is, the same step opens without a second approval.
        after = (await deps.store.getState(name)) ?? state;
        gate = flaggerGate(hook, after.state, await recentDecisions(deps, name), steps);
        if (gate.approve || !gate.open) {
          throw new AppError({
            code: 'CONFLICT',
            message: `Cannot approve rollout "${name}": ${result.reason}`,
          });
        }
      }
    }
    // One step per wave and no more: once every wave is granted, further calls (Flagger asks at every
    // interval at its last weight, before promoting) open without counting.
    const waves = after.state.spec.spec.waves.length;
    const granted =
      gate.open && STEP_HOOKS.includes(hook) ? Math.max(steps, Math.min(steps + 1, waves)) : steps;
    if (granted !== steps) {
      await deps.redis.hset(rolloutKeys(name).flaggerSteps, { ...counter, steps: String(granted) });
    }
    const body: FlaggerAnswer = {
      ...verdictAnswer(after, gate.verdict),
      hook,
      open: gate.open,
      gate: gate.reason,
      steps: granted,
    };
    return c.json(body, gate.open ? 200 : 409);
  });
}
