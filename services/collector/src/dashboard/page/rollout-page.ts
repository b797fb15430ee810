import { ActionDialog, type ActionRequest } from './action-dialog.ts';
import type { ApiClient } from './api-client.ts';
import type { RolloutView } from './api-types.ts';
import { RolloutCharts } from './charts.ts';
import { checksTable } from './checks-table.ts';
import { deliveriesTable } from './deliveries-table.ts';
import { append, type Child, h } from './dom.ts';
import { time } from './format.ts';
import { type OperatorAccess, operatorAccess } from './operator-access.ts';
import { planPanel } from './plan-panel.ts';
import { redeliverButton } from './redeliver.ts';
import { actionButton, actionsBar } from './rollout-actions.ts';
import { attention, bake, waveText } from './rollout-facts.ts';
import { mergeTimeline } from './timeline.ts';
import { timelineView } from './timeline-view.ts';
import { badge, shadowBadge } from './tone.ts';

/**
 * `#/rollouts/{name}`: one rollout's summary, checks, charts, decisions and deliveries. The page is built
 * once per rollout and its sections refreshed in place, so charts keep their plots; the action dialog and
 * the last action's result live outside the refreshed sections.
 */
export class RolloutPage {
  readonly root: HTMLElement;
  private readonly summary = h('section', { class: 'card' });
  private readonly actionResult = h('p', { id: 'action-result', role: 'status' });
  private readonly dialog: ActionDialog;
  private readonly checks = h('section', { class: 'scroll' });
  private readonly timeline = h('section', {});
  private readonly deliveries = h('section', { class: 'scroll' });
  private readonly charts: RolloutCharts;

  constructor(
    private readonly api: ApiClient,
    readonly name: string,
    private readonly changed: () => void,
  ) {
    this.charts = new RolloutCharts(api, name);
    this.dialog = new ActionDialog((message) => {
      this.actionResult.textContent = message;
      this.changed();
    });
    this.root = h(
      'div',
      { id: 'rollout', 'data-rollout': name },
      h('p', {}, h('a', { href: '#/' }, '← all rollouts')),
      this.summary,
      this.actionResult,
      h('h2', {}, 'Checks'),
      this.checks,
      // Outside the refreshed sections, so the traffic typed and the plan shown stay while the page updates.
      h('h2', {}, 'Plan: samples and time each wave needs at a given traffic'),
      planPanel(api, name),
      h('h2', {}, 'Over time (value, confidence interval, allowed limit)'),
      this.charts.container,
      h('h2', {}, 'Timeline: actions, decisions, spec changes, deliveries'),
      this.timeline,
      h('h2', {}, 'Webhook deliveries'),
      this.deliveries,
    );
  }

  destroy(): void {
    this.charts.destroy();
    this.dialog.remove();
  }

  private readonly open = (request: ActionRequest) => this.dialog.open(request);

  private summaryOf(view: RolloutView, access: OperatorAccess): Child[] {
    const why = attention(view);
    // The banner says what to do; its buttons do it (the same dialogs as the actions below).
    const banner = why
      ? h(
          'ul',
          { class: 'attention-list' },
          h(
            'li',
            { class: why.level, id: 'attention' },
            h('span', {}, why.text),
            h(
              'span',
              { class: 'banner-actions' },
              why.actions.map((action) => actionButton(this.api, view, action, access, this.open)),
            ),
          ),
        )
      : null;
    const spec = `v${view.specVersion}${view.latestVersion !== view.specVersion ? ` (v${view.latestVersion} stored)` : ''}`;
    const facts: [string, Child][] = [
      ['Flag', view.flag],
      ['Wave', waveText(view)],
      ['Bake', bake(view)],
      ['Approval', view.approval],
      ['Spec', spec],
      ['Updated', time(view.updatedAt)],
      ...(view.owner === null ? [] : [['Owner', view.owner] as [string, Child]]),
      ...(view.runbook === null
        ? []
        : [
            [
              'Runbook',
              h(
                'a',
                { href: view.runbook, target: '_blank', rel: 'noopener noreferrer', id: 'runbook' },
                view.runbook,
              ),
            ] as [string, Child],
          ]),
    ];
    return [
      h('h1', {}, view.name, ' ', badge(view.phase), ' ', shadowBadge(view.mode)),
      banner,
      h(
        'dl',
        { class: 'facts' },
        facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
      ),
      actionsBar(this.api, view, access, this.open),
    ];
  }

  /**
   * Fetches and shows the rollout; `isCurrent` says whether the user is still on this page, `mount` puts
   * the page on screen (before the charts, which take their width from it).
   */
  async refresh(isCurrent: () => boolean, mount: (root: HTMLElement) => void): Promise<void> {
    const [view, { decisions }, { deliveries }, { entries }, token] = await Promise.all([
      this.api.rollout(this.name),
      this.api.decisions(this.name, 50),
      this.api.deliveries(this.name, 25),
      this.api.audit(this.name, 100),
      this.api.tokenScopes(),
    ]);
    if (!isCurrent()) return;
    const access = operatorAccess(token);
    this.summary.replaceChildren();
    append(this.summary, this.summaryOf(view, access));
    this.summary.dataset.phase = view.phase;
    this.checks.replaceChildren(checksTable(view));
    this.timeline.replaceChildren(
      timelineView(this.api, this.name, mergeTimeline(entries, decisions, deliveries)),
    );
    this.deliveries.replaceChildren(
      deliveriesTable(deliveries, (d) => redeliverButton(this.api, d, access, this.open)),
    );
    if (!this.root.isConnected) mount(this.root);
    await this.charts.render(view);
  }
}
