import type { RolloutView } from './api-types.ts';
import type { Colors } from './colors.ts';
import {
  CHECK_HEADER,
  checkOncall,
  checkRow,
  formatOncall,
  formatSpan,
  formatTime,
  paintState,
} from './format.ts';
import { renderTable } from './table.ts';

/**
 * A rollout as a terminal shows it: where it stands, how long until its checkpoint, and each check against
 * this wave's limit with its state, and who is paged for it (the rollout's owner and runbook, and a check's
 * own where it has them). The same view `status --watch` redraws.
 */
export function renderStatus(view: RolloutView, now: number, colors: Colors): string {
  const wave =
    view.wave.index === 0
      ? `not started (${view.wave.of} waves)`
      : `wave ${view.wave.index} of ${view.wave.of} (${view.wave.percent}%)`;
  const lines = [
    `${colors.bold(view.name)}  ${paintState(view.phase, colors)}  ${wave}  flag ${view.flag}  spec v${view.specVersion}${view.latestVersion !== view.specVersion ? ` (latest v${view.latestVersion})` : ''}`,
  ];
  // Who to page, and how, is what a reader of a breach looks for first.
  const oncall = formatOncall(view);
  if (oncall !== null) lines.push(oncall);
  if (view.checkpointAt !== null && (view.phase === 'wave' || view.phase === 'baseline')) {
    const left = view.checkpointAt - now;
    lines.push(
      `${view.phase === 'baseline' ? 'baseline ends' : 'checkpoint'} in ${formatSpan(left)} (${formatTime(view.checkpointAt)})`,
    );
  }
  if (view.phase === 'awaiting-approval') {
    lines.push(`waiting for approval: rollout-guard approve ${view.name}`);
  }
  if (view.paused !== null) {
    lines.push(
      `paused since ${formatTime(view.paused.at)} (${view.paused.cause}); resume with: rollout-guard resume ${view.name}`,
    );
  }
  lines.push('');
  lines.push(
    view.checks.length === 0
      ? 'no checks'
      : renderTable(
          CHECK_HEADER,
          view.checks.map((c) => checkRow(c, colors)),
        ),
  );
  for (const check of view.checks) {
    const own = checkOncall(view, check);
    if (own !== null) lines.push(`  ${check.name}: ${own}`);
  }
  return lines.join('\n');
}
