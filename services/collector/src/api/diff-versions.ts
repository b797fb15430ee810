import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams } from './api-schemas.ts';
import { guard } from './guard.ts';
import { jsonChanges } from './json-diff.ts';
import { rolloutOr404, wholeNumber } from './lookup.ts';
import { shownSpec } from './shown-spec.ts';

export const VersionDiff = z
  .object({
    name: z.string(),
    from: z.number().int(),
    to: z.number().int(),
    changes: z
      .array(
        z.object({
          path: z.string(),
          kind: z.enum(['added', 'removed', 'changed']),
          before: z.unknown().optional(),
          after: z.unknown().optional(),
        }),
      )
      .meta({ description: 'Field by field, on the parsed specs (defaults applied)' }),
    patch: z.string().meta({ description: 'A unified diff of the texts as sent; empty when omitted' }),
    patchOmitted: z
      .string()
      .optional()
      .meta({ description: 'Why the patch is empty: the texts differ in more lines than a diff may take' }),
  })
  .meta({ id: 'VersionDiff' });
export type VersionDiff = z.infer<typeof VersionDiff>;

/** `GET …/diff?from=&to=`: what changed between two versions, field by field and as a text patch. */
export function registerDiffVersions(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/diff',
    summary: 'The difference between two spec versions',
    tags: ['versions'],
    request: {
      params: NameParams,
      query: z.object({ from: z.string().regex(/^\d+$/), to: z.string().regex(/^\d+$/) }),
    },
    responses: {
      200: {
        description: 'Changes and a unified patch',
        content: { 'application/json': { schema: VersionDiff } },
      },
      ...errorResponses(400, 404, 503),
    },
  });

  app.get('/api/v1/rollouts/:name/diff', ...guard(deps, 'read'), async function diffVersions(c) {
    const name = c.req.param('name');
    await rolloutOr404(deps, name);
    const from = wholeNumber(c.req.query('from'), 'from');
    const to = wholeNumber(c.req.query('to'), 'to');
    const [a, b] = await Promise.all([deps.store.getSpec(name, from), deps.store.getSpec(name, to)]);
    const missing = a === null ? from : b === null ? to : null;
    if (a === null || b === null) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `Rollout "${name}" has no spec version ${missing}; GET /api/v1/rollouts/${name}/versions lists them`,
      });
    }
    const { maxChangedLines, timeoutMs } = deps.diffLimits;
    const [before, after] = [shownSpec(a), shownSpec(b)];
    // Up to DIFF_TIMEOUT_MS of work: a large pair is diffed on a worker thread (deps.specWorkers).
    const patch = await deps.specWorkers.patch({
      before: { name: `${name}@v${from}`, text: before.source },
      after: { name: `${name}@v${to}`, text: after.source },
      maxChangedLines,
      timeoutMs,
    });
    return c.json({
      name,
      from,
      to,
      changes: jsonChanges(before.spec, after.spec).map(({ segments: _segments, ...change }) => change),
      patch: patch ?? '',
      ...(patch === undefined
        ? {
            patchOmitted: `the texts differ in more than ${maxChangedLines} lines (DIFF_MAX_CHANGED_LINES) or took over ${timeoutMs} ms to compare (DIFF_TIMEOUT_MS); compare the versions' sources, or read the field-by-field changes`,
          }
        : {}),
    } satisfies VersionDiff);
  });
}
