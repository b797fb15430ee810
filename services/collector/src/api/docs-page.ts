import { html, type SafeHtml } from './html.ts';

type Json = Record<string, unknown>;

function schemaText(schema: unknown): SafeHtml {
  if (schema === undefined) return html``;
  const ref = (schema as Json).$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').at(-1) ?? ref;
    return html`<a href="#schema-${name}">${name}</a>`;
  }
  return html`<pre>${JSON.stringify(schema, null, 2)}</pre>`;
}

function contentOf(content: unknown): SafeHtml[] {
  return Object.entries((content ?? {}) as Record<string, Json>).map(
    ([type, media]) => html`<div><code>${type}</code> ${schemaText(media.schema)}</div>`,
  );
}

function operation(path: string, method: string, op: Json): SafeHtml {
  const params = ((op.parameters ?? []) as Json[]).map(
    (p) =>
      html`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required ? 'required' : 'optional'}</td><td>${(p.schema as Json | undefined)?.description ?? p.description ?? ''}</td></tr>`,
  );
  const body = op.requestBody as Json | undefined;
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>).map(
    ([status, r]) =>
      html`<tr><td>${status}</td><td>${r.description}</td><td>${contentOf(r.content)}</td></tr>`,
  );
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
  return html`<section class="op" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${path}</code></h3>
<p>${op.summary ?? ''}</p>${op.description ? html`<p class="sub">${op.description}</p>` : ''}
${params.length > 0 ? html`<table><thead><tr><th>Parameter</th><th>In</th><th></th><th></th></tr></thead><tbody>${params}</tbody></table>` : ''}
${body === undefined ? '' : html`<h4>Body</h4>${contentOf(body.content)}`}
<h4>Responses</h4><table><tbody>${responses}</tbody></table>
</section>`;
}

/** A self-contained reference page of the OpenAPI document: rendered here, no scripts, nothing fetched. */
export function docsPage(document: Json): string {
  const info = document.info as Json;
  const paths = document.paths as Record<string, Record<string, Json>>;
  const ops = Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );
  const index = ops.map(
    ({ path, method, op }) =>
      html`<li><a href="#${`${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-')}"><span class="method ${method}">${method.toUpperCase()}</span> ${path}</a> — ${op.summary ?? ''}</li>`,
  );
  const schemas = Object.entries(
    ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, unknown>,
  ).map(
    ([name, schema]) =>
      html`<section id="schema-${name}"><h3>${name}</h3><pre>${JSON.stringify(schema, null, 2)}</pre></section>`,
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${info.title} reference</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
code, pre { font-family: ui-monospace, monospace; } pre { background: #f5f5f5; padding: .5rem; overflow-x: auto; }
.method { font: 600 .8em ui-monospace, monospace; padding: .1rem .35rem; border-radius: 3px; background: #ddd; }
.get { background: #d8ecff; } .post { background: #dff5dd; } .put { background: #fff0c8; }
table { border-collapse: collapse; } td, th { border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.op { border-top: 1px solid #999; margin-top: 1.5rem; } .sub { color: #555; }
</style></head>
<body>
<h1>${info.title} <small>${info.version}</small></h1>
<p>${info.description ?? ''}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${document.openapi}).</p>
<h2>Endpoints</h2><ul>${index}</ul>
${ops.map(({ path, method, op }) => operation(path, method, op))}
<h2>Schemas</h2>${schemas}
</body></html>
`.text;
}
