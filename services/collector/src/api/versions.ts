import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams, RolloutName } from './api-schemas.ts';
import { guard } from './guard.ts';
import { rolloutOr404, wholeNumber } from './lookup.ts';
import { shownSpec } from './shown-spec.ts';

export const VersionSummary = z
  .object({
    version: z.number().int(),
    contentType: z.string(),
    createdAt: z.number(),
    actor: z.string(),
    current: z.boolean().meta({ description: 'The version the rollout judges by now' }),
  })
  .meta({ id: 'VersionSummary' });

export const VersionList = z
  .object({ name: z.string(), versions: z.array(VersionSummary) })
  .meta({ id: 'VersionList' });
export type VersionList = z.infer<typeof VersionList>;

export const StoredVersion = z
  .object({
    name: z.string(),
    version: z.number().int(),
    contentType: z.string(),
    createdAt: z.number(),
    actor: z.string(),
    source: z.string().meta({ description: 'The text as it was sent, literal secrets redacted' }),
    spec: z
      .record(z.string(), z.unknown())
      .meta({ description: 'Parsed, defaults applied, literal secrets redacted' }),
  })
  .meta({ id: 'StoredVersion' });
export type StoredVersion = z.infer<typeof StoredVersion>;

/** `GET …/versions` and `GET …/versions/{v}`: every stored version of a rollout's spec. */
export function registerVersions(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/versions',
    summary: 'Every stored version of a rollout’s spec',
    tags: ['versions'],
    request: { params: NameParams },
    responses: {
      200: {
        description: 'Versions, oldest first',
        content: { 'application/json': { schema: VersionList } },
      },
      ...errorResponses(404),
    },
  });
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/versions/{version}',
    summary: 'One stored version, with the text as sent',
    tags: ['versions'],
    request: { params: z.object({ name: RolloutName, version: z.string().regex(/^\d+$/) }) },
    responses: {
      200: { description: 'The version', content: { 'application/json': { schema: StoredVersion } } },
      ...errorResponses(400, 404),
    },
  });

  app.get('/api/v1/rollouts/:name/versions', ...guard(deps, 'read'), async function listVersions(c) {
    const name = c.req.param('name');
    const { state } = await rolloutOr404(deps, name);
    const versions = await deps.store.listSpecVersions(name);
    return c.json({
      name,
      versions: versions.map((v) => ({
        version: v.version,
        contentType: v.contentType,
        createdAt: v.createdAt,
        actor: v.actor,
        current: v.version === state.state.specVersion,
      })),
    } satisfies VersionList);
  });

  app.get('/api/v1/rollouts/:name/versions/:version', ...guard(deps, 'read'), async function getVersion(c) {
    const name = c.req.param('name');
    await rolloutOr404(deps, name);
    const version = wholeNumber(c.req.param('version'), 'version');
    const stored = await deps.store.getSpec(name, version);
    if (stored === null) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `Rollout "${name}" has no spec version ${version}; GET /api/v1/rollouts/${name}/versions lists them`,
      });
    }
    return c.json({
      name,
      version: stored.version,
      contentType: stored.contentType,
      createdAt: stored.createdAt,
      actor: stored.actor,
      ...shownSpec(stored),
    } satisfies StoredVersion);
  });
}
