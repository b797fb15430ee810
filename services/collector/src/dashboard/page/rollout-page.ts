import type { ApiClient } from './api-client.ts';
import type { RolloutView } from './api-types.ts';
import { approveButton } from './approve-button.ts';
import { RolloutCharts } from './charts.ts';
import { checksTable } from './checks-table.ts';
import { decisionsTimeline } from './decisions-timeline.ts';
import { deliveriesTable } from './deliveries-table.ts';
import { type Child, h } from './dom.ts';
import { time } from './format.ts';
import { attention, bake, waveText } from './rollout-facts.ts';
import { badge } from './tone.ts';

/**
 * `#/rollouts/{name}`: one rollout's summary, checks, charts, decisions and deliveries. The page is built
 * once per rollout and its sections refreshed in place, so charts keep their plots and a half-done
 * action keeps its state across refreshes.
 */
export class RolloutPage {
  readonly root: HTMLElement;
  private readonly summary = h('section', { class: 'card' });
  private readonly checks = h('section', { class: 'scroll' });
  private readonly decisions = h('section', {});
  private readonly deliveries = h('section', { class: 'scroll' });
  private readonly charts: RolloutCharts;

  constructor(
    private readonly api: ApiClient,
    readonly name: string,
    private readonly changed: () => void,
  ) {
    this.charts = new RolloutCharts(api, name);
    this.root = h(
      'div',
      { id: 'rollout', 'data-rollout': name },
      h('p', {}, h('a', { href: '#/' }, '← all rollouts')),
      this.summary,
      h('h2', {}, 'Checks'),
      this.checks,
      h('h2', {}, 'Over time (value, confidence interval, allowed limit)'),
      this.charts.container,
      h('h2', {}, 'Decisions'),
      this.decisions,
      h('h2', {}, 'Webhook deliveries'),
      this.deliveries,
    );
  }

  destroy(): void {
    this.charts.destroy();
  }

  private summaryOf(view: RolloutView): Child[] {
    const why = attention(view);
    const spec = `v${view.specVersion}${view.latestVersion !== view.specVersion ? ` (v${view.latestVersion} stored)` : ''}`;
    const facts: [string, Child][] = [
      ['Flag', view.flag],
      ['Wave', waveText(view)],
      ['Bake', bake(view)],
      ['Approval', view.approval],
      ['Spec', spec],
      ['Updated', time(view.updatedAt)],
    ];
    return [
      h('h1', {}, view.name, ' ', badge(view.phase)),
      why
        ? h('ul', { class: 'attention-list' }, h('li', { class: why.level, id: 'attention' }, why.text))
        : null,
      h(
        'dl',
        { class: 'facts' },
        facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
      ),
      view.phase === 'awaiting-approval' ? approveButton(this.api, view, this.changed) : null,
    ];
  }

  /**
   * Fetches and shows the rollout; `isCurrent` says whether the user is still on this page, `mount` puts
   * the page on screen (before the charts, which take their width from it).
   */
  async refresh(isCurrent: () => boolean, mount: (root: HTMLElement) => void): Promise<void> {
    const [view, { decisions }, { deliveries }] = await Promise.all([
      this.api.rollout(this.name),
      this.api.decisions(this.name, 50),
      this.api.deliveries(this.name, 25),
    ]);
    if (!isCurrent()) return;
    // Keep a pending approval click (the button and its message) across refreshes of the same phase.
    if (!(view.phase === 'awaiting-approval' && this.summary.dataset.phase === 'awaiting-approval')) {
      this.summary.replaceChildren();
      for (const child of this.summaryOf(view)) if (child instanceof Node) this.summary.append(child);
      this.summary.dataset.phase = view.phase;
    }
    this.checks.replaceChildren(checksTable(view));
    this.decisions.replaceChildren(decisionsTimeline(this.name, decisions));
    this.deliveries.replaceChildren(deliveriesTable(deliveries));
    if (!this.root.isConnected) mount(this.root);
    await this.charts.render(view);
  }
}
