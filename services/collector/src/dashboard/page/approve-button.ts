import type { ApiClient } from './api-client.ts';
import type { RolloutView } from './api-types.ts';
import { h } from './dom.ts';
import { nextWave } from './rollout-facts.ts';

/** The approve button asks for a second click, then calls the API with the same token (it needs operate). */
export function approveButton(api: ApiClient, view: RolloutView, changed: () => void): HTMLElement {
  const result = h('span', { class: 'muted', role: 'status' });
  let armed = false;
  const label = `Approve ${nextWave(view)}`;
  const button = h('button', { type: 'button', class: 'primary', id: 'approve' }, label);
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = `Click again to approve ${nextWave(view)}`;
      setTimeout(() => {
        armed = false;
        button.textContent = label;
      }, 5000);
      return;
    }
    button.disabled = true;
    try {
      const answer = await api.approve(view.name, 'approved from the dashboard');
      result.textContent = `Approved: now ${answer.phase}, wave ${answer.wave}`;
      changed();
    } catch (error) {
      result.textContent = `Not approved: ${error instanceof Error ? error.message : String(error)}`;
      button.disabled = false;
    }
  });
  return h('div', { class: 'actions' }, button, result);
}
