import { type OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { App } from '../app.ts';
import type { ApiDeps } from './api-deps.ts';
import { docsPage } from './docs-page.ts';

/** The OpenAPI 3.1 document of every registered route, generated from their zod schemas. */
export function openApiDocument(
  registry: OpenAPIRegistry,
): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A token from ROLLOUT_GUARD_TOKENS or TOKENS_FILE, with the scope the route needs (read, operate, admin)',
  });
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'rollout-guard API',
      version: '1',
      description:
        'Declare a rollout, watch it, act on it, read the evidence. Errors answer `{ code, message, requestId }`. Scopes: `read` for GETs and validate, `operate` for actions and redelivery, `admin` for specs.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
  });
  return document;
}

/** `GET /api/v1/openapi.json` and the browsable reference `GET /api/v1/docs` (no auth: they hold no data). */
export function registerOpenApi(app: App, deps: Pick<ApiDeps, 'openapi'>): void {
  let cached: string | undefined;
  const documentText = () => {
    cached ??= JSON.stringify(openApiDocument(deps.openapi));
    return cached;
  };
  app.get('/api/v1/openapi.json', function openApiJson(c) {
    return c.body(documentText(), 200, { 'content-type': 'application/json; charset=utf-8' });
  });
  app.get('/api/v1/docs', function docs(c) {
    return c.html(docsPage(JSON.parse(documentText())));
  });
}
