import { actionsFor, type OperatorAction } from '@rollout-guard/shared/display';
import type { ActionRequest } from './action-dialog.ts';
import type { ApiClient } from './api-client.ts';
import type { RolloutView } from './api-types.ts';
import { h } from './dom.ts';
import type { OperatorAccess } from './operator-access.ts';
import { nextWave } from './rollout-facts.ts';

/** The operator actions on a rollout's page: which apply in its phase, what each does, its button. */

interface ActionText {
  readonly label: string;
  /** Changes the flag, its traffic or what is watched: confirmed by typing the rollout's name. */
  readonly production: boolean;
  effect(view: RolloutView): string;
}

const ACTIONS: Record<OperatorAction, ActionText> = {
  start: {
    label: 'Start',
    production: true,
    effect: (view) =>
      `Starts the rollout: its baseline if it declares one, then wave 1 of ${view.wave.of}; the advance webhooks set the flag’s traffic.`,
  },
  pause: {
    label: 'Pause',
    production: false,
    effect: () =>
      'Holds the rollout where it is: no decisions, the bake clock stops. The flag is not changed.',
  },
  resume: {
    label: 'Resume',
    production: true,
    effect: (view) =>
      view.paused?.cause === 'no-go'
        ? `Bakes wave ${view.wave.index} again from the start, at ${view.wave.percent ?? '—'}% of traffic; its guardrails are watched again.`
        : `Returns to ${view.paused?.from ?? 'the paused phase'}; the bake clock runs again and guardrails act again.`,
  },
  approve: {
    label: 'Approve',
    production: true,
    effect: (view) =>
      `Starts ${nextWave(view)}: the advance webhooks raise the flag’s traffic beyond ${view.wave.percent ?? '—'}%.`,
  },
  rollback: {
    label: 'Roll back',
    production: true,
    effect: () =>
      'Turns the feature off: the rollback webhooks fire now. The rollout ends and cannot be resumed.',
  },
  abort: {
    label: 'Abort',
    production: true,
    effect: () =>
      'Ends the rollout without rolling back: the flag stays as it is and nothing is watched any more.',
  },
};

export function actionRequest(api: ApiClient, view: RolloutView, action: OperatorAction): ActionRequest {
  const text = ACTIONS[action];
  const label = action === 'approve' ? `Approve ${nextWave(view)}` : text.label;
  return {
    action,
    title: `${label}: ${view.name}`,
    effect: text.effect(view),
    production: text.production,
    confirmWord: view.name,
    submitLabel: label,
    async run(reason) {
      const answer = await api.act(view.name, action, reason);
      return `${label} done by ${answer.actor}: now ${answer.phase}${answer.wave > 0 ? `, wave ${answer.wave}` : ''}`;
    },
  };
}

/** A button that opens the action's dialog, or is disabled with the reason when the token may not act. */
export function actionButton(
  api: ApiClient,
  view: RolloutView,
  action: OperatorAction,
  access: OperatorAccess,
  open: (request: ActionRequest) => void,
): HTMLButtonElement {
  const text = ACTIONS[action];
  const label = action === 'approve' ? `Approve ${nextWave(view)}` : text.label;
  const button = h(
    'button',
    {
      type: 'button',
      'data-action': action,
      class: action === 'rollback' || action === 'abort' ? 'danger' : action === 'approve' ? 'primary' : '',
      disabled: !access.allowed,
      title: access.allowed ? text.effect(view) : access.why,
    },
    label,
  );
  button.addEventListener('click', () => open(actionRequest(api, view, action)));
  return button;
}

/** Every action the rollout's phase allows, and why they are disabled when they are. */
export function actionsBar(
  api: ApiClient,
  view: RolloutView,
  access: OperatorAccess,
  open: (request: ActionRequest) => void,
): HTMLElement | null {
  const actions = actionsFor(view.phase);
  if (actions.length === 0) return null;
  return h(
    'div',
    { class: 'actions', id: 'actions' },
    actions.map((action) => actionButton(api, view, action, access, open)),
    access.allowed ? null : h('p', { class: 'muted', id: 'actions-note' }, access.why),
  );
}
