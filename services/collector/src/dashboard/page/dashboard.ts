import { type ApiClient, ApiError } from './api-client.ts';
import { byId, h } from './dom.ts';
import { renderList } from './list-page.ts';
import { renderReport } from './report-page.ts';
import { RolloutPage } from './rollout-page.ts';
import { routeOf } from './route.ts';
import type { StatusBar } from './status-bar.ts';

/**
 * The page's loop: show where the location hash points, refresh it every `refreshMs`, and say in the
 * status bar when the data is from or why there is none. A newer refresh makes an older one's answer moot.
 */
export class Dashboard {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private shownReport: string | null = null;
  private rolloutPage: RolloutPage | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly status: StatusBar,
    private readonly refreshMs: number,
  ) {}

  schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  private show(el: HTMLElement): void {
    byId('view').replaceChildren(el);
  }

  private leaveRollout(): void {
    this.rolloutPage?.destroy();
    this.rolloutPage = null;
  }

  private async refresh(): Promise<void> {
    const mine = ++this.generation;
    const isCurrent = () => mine === this.generation;
    const where = routeOf(location.hash);
    try {
      if (where.kind === 'report') {
        // A report does not change: fetch it once per visit.
        const key = `${where.name}/${where.id}`;
        if (this.shownReport !== key) {
          const el = await renderReport(this.api, where.name, where.id);
          if (!isCurrent()) return;
          this.show(el);
          this.shownReport = key;
          this.leaveRollout();
        }
      } else if (where.kind === 'rollout') {
        this.shownReport = null;
        if (this.rolloutPage?.name !== where.name) {
          this.leaveRollout();
          this.rolloutPage = new RolloutPage(this.api, where.name, () => this.schedule(0));
        }
        await this.rolloutPage.refresh(isCurrent, (root) => this.show(root));
      } else {
        this.shownReport = null;
        this.leaveRollout();
        const el = await renderList(this.api);
        if (!isCurrent()) return;
        this.show(el);
      }
      if (isCurrent()) this.status.success();
    } catch (error) {
      if (!isCurrent()) return;
      if (error instanceof ApiError && error.status === 404) {
        this.leaveRollout();
        this.show(h('p', { class: 'message' }, error.message, ' ', h('a', { href: '#/' }, 'All rollouts')));
        this.status.success();
      } else if (this.status.failure(error)) {
        this.leaveRollout();
        this.shownReport = null;
        this.show(h('p', { class: 'message muted' }, 'Nothing to show without a token that may read.'));
      }
    } finally {
      if (isCurrent()) this.schedule(this.refreshMs);
    }
  }
}
