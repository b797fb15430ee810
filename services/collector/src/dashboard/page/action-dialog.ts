import { h } from './dom.ts';

/** One operator action as the dialog asks for it. */
export interface ActionRequest {
  /** `rollback`, `redeliver`…: the dialog's `data-action`. */
  readonly action: string;
  /** "Roll back checkout-v2". */
  readonly title: string;
  /** What it will do, in the user's terms. */
  readonly effect: string;
  /** Acts on production (the flag, traffic or a flag system's API): the user types `confirmWord` first. */
  readonly production: boolean;
  readonly confirmWord: string;
  readonly submitLabel: string;
  /** Calls the API with the reason; resolves with what happened, in words. */
  run(reason: string): Promise<string>;
}

/**
 * The page's one dialog for operator actions: why (required, kept in the audit log), and for an action on
 * production the rollout's name typed as confirmation. It lives outside the refreshed sections, so a
 * refresh does not close it; `done` receives what happened.
 */
export class ActionDialog {
  private readonly dialog = h('dialog', { id: 'action-dialog', class: 'action-dialog' });
  private readonly heading = h('h2', {});
  private readonly effect = h('p', { id: 'action-effect' });
  private readonly reason = h('textarea', {
    id: 'action-reason',
    required: true,
    rows: 3,
    maxlength: 2000,
    placeholder: 'Why: kept in the audit log with your token’s name',
  });
  private readonly confirmLabel = h('label', { for: 'action-confirm' });
  private readonly confirm = h('input', { id: 'action-confirm', autocomplete: 'off', spellcheck: 'false' });
  private readonly confirmBox = h('div', { class: 'confirm' }, this.confirmLabel, this.confirm);
  private readonly submit = h('button', { type: 'submit', id: 'action-submit', class: 'primary' });
  private readonly error = h('p', { id: 'action-error', class: 'error', role: 'alert' });
  private request: ActionRequest | null = null;

  constructor(private readonly done: (message: string) => void) {
    const cancel = h('button', { type: 'button', id: 'action-cancel' }, 'Cancel');
    const form = h(
      'form',
      {},
      this.heading,
      this.effect,
      h('label', { for: 'action-reason' }, 'Reason'),
      this.reason,
      this.confirmBox,
      this.error,
      h('div', { class: 'actions' }, this.submit, cancel),
    );
    this.dialog.append(form);
    cancel.addEventListener('click', () => this.dialog.close());
    this.reason.addEventListener('input', () => this.updateSubmit());
    this.confirm.addEventListener('input', () => this.updateSubmit());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
  }

  private ready(): boolean {
    const request = this.request;
    if (request === null || this.reason.value.trim() === '') return false;
    return !request.production || this.confirm.value.trim() === request.confirmWord;
  }

  private updateSubmit(): void {
    this.submit.disabled = !this.ready();
  }

  remove(): void {
    this.dialog.remove();
  }

  open(request: ActionRequest): void {
    this.request = request;
    if (!this.dialog.isConnected) document.body.append(this.dialog);
    this.dialog.dataset.action = request.action;
    this.dialog.classList.toggle('production', request.production);
    this.heading.textContent = request.title;
    this.effect.textContent = request.effect;
    this.reason.value = '';
    this.confirm.value = '';
    this.confirmLabel.textContent = `This acts on production. Type ${request.confirmWord} to confirm`;
    this.confirmBox.hidden = !request.production;
    this.submit.textContent = request.submitLabel;
    this.error.textContent = '';
    this.updateSubmit();
    this.dialog.showModal();
    this.reason.focus();
  }

  private async send(): Promise<void> {
    const request = this.request;
    if (request === null || !this.ready()) return;
    this.submit.disabled = true;
    this.error.textContent = '';
    try {
      const message = await request.run(this.reason.value.trim());
      this.dialog.close();
      this.done(message);
    } catch (error) {
      this.error.textContent = `Not done: ${error instanceof Error ? error.message : String(error)}`;
      this.updateSubmit();
    }
  }
}
