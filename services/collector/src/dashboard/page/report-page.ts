import type { ApiClient } from './api-client.ts';
import { h } from './dom.ts';

/** `#/rollouts/{name}/decisions/{id}`: the collector's HTML report of a decision, in a sandboxed frame. */
export async function renderReport(api: ApiClient, name: string, id: string): Promise<HTMLElement> {
  const text = await api.decisionReport(name, id);
  const frame = h('iframe', { class: 'report-frame', title: `decision ${id}`, sandbox: '' });
  frame.srcdoc = text;
  return h(
    'div',
    { id: 'report', 'data-decision': id },
    h('p', {}, h('a', { href: `#/rollouts/${encodeURIComponent(name)}` }, `← ${name}`)),
    frame,
  );
}
