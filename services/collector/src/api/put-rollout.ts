import { TERMINAL_PHASES } from '@rollout-guard/shared/decision';
import { z } from 'zod';
import type { App } from '../app.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams, Phase, SpecInput, SpecProblemsBody } from './api-schemas.ts';
import { guard } from './guard.ts';
import { jsonChanges } from './json-diff.ts';
import { runningChange } from './running-change.ts';
import { shownParsedSpec } from './shown-spec.ts';
import { problemsBody, readSpecBody } from './spec-body.ts';

export const PutRolloutResponse = z
  .object({
    name: z.string(),
    version: z
      .number()
      .int()
      .meta({ description: 'The stored version (unchanged when the spec was identical)' }),
    created: z.boolean(),
    unchanged: z.boolean(),
    phase: Phase,
    specVersion: z.number().int().meta({ description: 'The version the rollout judges by now' }),
    appliedToRunning: z.boolean().meta({ description: 'A running rollout took the change at once' }),
    changed: z.array(z.string()).meta({ description: 'Fields changed from the previous version' }),
    spec: z.record(z.string(), z.unknown()).meta({ description: 'The stored spec, defaults applied' }),
  })
  .meta({ id: 'PutRolloutResponse' });
export type PutRolloutResponse = z.infer<typeof PutRolloutResponse>;

const running = (phase: string) => phase !== 'pending' && !TERMINAL_PHASES.includes(phase as never);

/**
 * `PUT /api/v1/rollouts/{name}`: create or replace a spec. Every change is a new version. A pending or
 * ended rollout takes it at once; a running one takes it only when it changes thresholds, actions, bakes or
 * approval (409 naming each other changed field otherwise), with the change in the audit log.
 */
export function registerPutRollout(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'put',
    path: '/api/v1/rollouts/{name}',
    summary: 'Create or replace a rollout spec',
    description:
      'YAML (`application/yaml`) or JSON. The name in the URL must equal `metadata.name`. A running rollout accepts changes to thresholds, actions, bakes and approval only.',
    tags: ['rollouts'],
    request: {
      params: NameParams,
      body: {
        required: true,
        content: { 'application/yaml': { schema: SpecInput }, 'application/json': { schema: SpecInput } },
      },
    },
    responses: {
      200: {
        description: 'A new version of an existing rollout',
        content: { 'application/json': { schema: PutRolloutResponse } },
      },
      201: {
        description: 'The rollout was created',
        content: { 'application/json': { schema: PutRolloutResponse } },
      },
      400: {
        description: 'The spec has problems',
        content: { 'application/json': { schema: SpecProblemsBody } },
      },
      409: {
        description: 'A running rollout cannot take these changes',
        content: { 'application/json': { schema: SpecProblemsBody } },
      },
      ...errorResponses(413, 415, 503),
    },
  });

  app.put('/api/v1/rollouts/:name', ...guard(deps, 'admin'), async function putRollout(c) {
    const name = c.req.param('name');
    const requestId = c.get('requestId');
    const body = await readSpecBody(c, deps);
    if (!body.result.ok) return c.json(problemsBody(requestId, body.result.problems), 400);
    const spec = body.result.spec;
    if (spec.metadata.name !== name) {
      return c.json(
        problemsBody(requestId, [
          {
            path: 'metadata.name',
            message: `"${spec.metadata.name}" differs from the name in the URL, "${name}"; they must be equal (PUT /api/v1/rollouts/${spec.metadata.name})`,
          },
        ]),
        400,
      );
    }
    const actor = c.get('principal')?.name ?? 'anonymous';
    const now = deps.now();
    const latest = await deps.store.getSpec(name);
    const current = latest === null ? null : await deps.store.getRollout(name);
    const changed = latest === null ? [] : [...new Set(jsonChanges(latest.spec, spec).map((ch) => ch.path))];
    if (latest !== null && current !== null && changed.length === 0) {
      return c.json(
        {
          name,
          version: latest.version,
          created: false,
          unchanged: true,
          phase: current.state.state.phase,
          specVersion: current.state.state.specVersion,
          appliedToRunning: false,
          changed: [],
          spec: shownParsedSpec(latest.spec),
        } satisfies PutRolloutResponse,
        200,
      );
    }

    const isRunning = current !== null && running(current.state.state.phase);
    let fields: string[] = changed;
    if (isRunning) {
      const change = runningChange(current.spec.spec, spec);
      if (change.refused.length > 0) {
        const body = problemsBody(
          requestId,
          change.refused.map((r) => ({ path: r.path, message: r.reason })),
          `Rollout "${name}" is ${current.state.state.phase}; the new spec`,
        );
        return c.json(
          {
            ...body,
            code: 'CONFLICT' as const,
            message: `${body.message}. Abort the rollout and apply it again to change these, or change only thresholds, actions, bakes and approval`,
          },
          409,
        );
      }
      fields = change.changed;
    }

    // One step: the new version is stored and, for a running rollout, applied to it by the same script, so
    // a crash cannot leave a version stored that the running rollout was meant to take and did not.
    const { stored, state: judging } = await deps.store.putSpec(
      {
        spec,
        source: body.text,
        contentType: body.contentType,
        actor,
        ...(isRunning ? { applyToRunning: { changed: fields } } : {}),
      },
      now,
    );
    await deps.jobs.evaluate(name, 'spec').catch((error: unknown) => {
      deps.logger.warn({ err: error, rollout: name }, 'could not ask for an evaluation after a spec change');
    });
    return c.json(
      {
        name,
        version: stored.version,
        created: latest === null,
        unchanged: false,
        phase: judging.state.phase,
        specVersion: judging.state.specVersion,
        appliedToRunning: running(judging.state.phase) && judging.state.specVersion === stored.version,
        changed: fields,
        spec: shownParsedSpec(stored.spec),
      } satisfies PutRolloutResponse,
      latest === null ? 201 : 200,
    );
  });
}
