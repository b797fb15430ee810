import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, RolloutName } from './api-schemas.ts';
import { buildEvidencePack, EvidencePack } from './evidence-pack.ts';
import { renderEvidencePack } from './evidence-report.ts';
import { guard } from './guard.ts';
import { rolloutOr404 } from './lookup.ts';

const Params = z.object({ name: RolloutName, id: z.string().meta({ description: 'A decision id (dec_…)' }) });

function attachment(name: string, id: string, extension: 'json' | 'html'): string {
  // Rollout names are [a-z0-9-]; decision ids are dec_ + hex: nothing to quote, but never trust a path.
  const safe = `${name}-${id}-evidence.${extension}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${safe}"`;
}

/** `GET …/decisions/{id}/evidence.json|.html`: a decision's evidence pack, as a file to keep. */
export function registerEvidence(app: App, deps: ApiDeps): void {
  for (const extension of ['json', 'html'] as const) {
    deps.openapi.registerPath({
      method: 'get',
      path: `/api/v1/rollouts/{name}/decisions/{id}/evidence.${extension}`,
      summary:
        extension === 'json'
          ? 'A decision’s evidence pack as a JSON file'
          : 'A decision’s evidence pack as a printable HTML file',
      description:
        'For a change-advisory board before the next wave: the decision with every check (value, interval, limit, samples, window, rule), the spec version in force with its content (literal secrets redacted), the approvals asked for at that wave since and the decisions they took, and every webhook delivery of those decisions. Served with `Content-Disposition: attachment`.',
      tags: ['decisions'],
      request: { params: Params },
      responses: {
        200: {
          description: 'The evidence pack',
          content:
            extension === 'json'
              ? { 'application/json': { schema: EvidencePack } }
              : {
                  'text/html': {
                    schema: { type: 'string', description: 'One self-contained page with print styles' },
                  },
                },
        },
        ...errorResponses(404),
      },
    });
  }

  async function packOr404(name: string, id: string) {
    await rolloutOr404(deps, name);
    const built = await buildEvidencePack(deps, name, id);
    if (built === null) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `Rollout "${name}" has no decision "${id}"; GET /api/v1/rollouts/${name}/decisions lists them`,
      });
    }
    return built;
  }

  app.get(
    '/api/v1/rollouts/:name/decisions/:id/evidence.json',
    ...guard(deps, 'read'),
    async function evidenceJson(c) {
      const { name, id } = c.req.param();
      const { pack } = await packOr404(name, id);
      c.header('Content-Disposition', attachment(name, id, 'json'));
      return c.json(pack);
    },
  );

  app.get(
    '/api/v1/rollouts/:name/decisions/:id/evidence.html',
    ...guard(deps, 'read'),
    async function evidenceHtml(c) {
      const { name, id } = c.req.param();
      const { pack, decision } = await packOr404(name, id);
      const base = `/api/v1/rollouts/${encodeURIComponent(name)}/decisions`;
      c.header('Content-Disposition', attachment(name, id, 'html'));
      return c.html(
        renderEvidencePack(pack, decision, {
          json: `${base}/${encodeURIComponent(id)}/evidence.json`,
          rollout: base,
        }),
      );
    },
  );
}
