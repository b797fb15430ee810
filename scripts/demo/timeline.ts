import type { DemoStatus, Reason, TimedEvent } from './run-demo.ts';

/** How a line is dressed: plain text, or colours on a terminal that wants them. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  good(text: string): string;
  bad(text: string): string;
}

export const PLAIN: Style = {
  bold: (t) => t,
  dim: (t) => t,
  good: (t) => t,
  bad: (t) => t,
};

function clock(atMs: number): string {
  const s = Math.floor(atMs / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function show(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(3);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

export function formatReason(reason: Reason): string {
  const parts = [
    `check ${reason.check}`,
    `value ${show(reason.value)}`,
    `interval ${show(reason.interval)}`,
    `limit ${show(reason.allowed)}`,
  ];
  if (reason.samples !== undefined) parts.push(`samples ${show(reason.samples)}`);
  if (reason.window !== undefined) parts.push(`window ${show(reason.window)}`);
  return parts.join(' · ');
}

/** The timeline line(s) for one event, or none for events only the progress indicator shows. */
export function formatEvent(event: TimedEvent, style: Style = PLAIN): string[] {
  const at = style.dim(clock(event.atMs));
  const line = (text: string) => `${at}  ${text}`;
  switch (event.kind) {
    case 'receiver':
      return [line(`webhook receiver listening on ${event.url} (verifies Standard Webhooks signatures)`)];
    case 'stack':
      return [
        line(
          `collector ${event.collectorUrl} and evaluator up, Redis ${event.privateRedis ? 'private (redis-server)' : 'from REDIS_URL'}; service logs in ${event.logDir}`,
        ),
      ];
    case 'applied':
      return [line(`applied rollout ${style.bold(event.name)} (spec version ${event.version})`)];
    case 'started':
      return [line(`started ${event.name}; OpenTelemetry SDK traffic flowing for both cohorts`)];
    case 'wave':
      return [
        line(
          style.bold(
            `wave ${event.wave} begins: ${event.percent}% of contacts get the copilot, bake ${event.bakeMs / 1000}s`,
          ),
        ),
      ];
    case 'phase':
      return event.phase === 'wave' ? [] : [line(`phase → ${event.phase}`)];
    case 'webhook':
      return [];
    case 'verdict': {
      const head = line(
        `checkpoint of wave ${event.wave}: verdict ${event.verdict === 'go' ? style.good('GO') : style.bad(event.verdict.toUpperCase())} (${event.decisionId})`,
      );
      return [head, ...event.reasons.map((r) => `         ${formatReason(r)}`)];
    }
    case 'approved':
      return [line(`approved: wave ${event.wave} may start`)];
    case 'regression':
      return [
        line(
          style.bad(
            `the copilot regresses: compliance errors in the treatment rise to ${(event.errorRate * 100).toFixed(0)}%`,
          ),
        ),
      ];
    case 'rollback':
      return [
        line(
          style.bad(
            style.bold(
              `signed rollback received (signature verified), ${(event.afterRegressionMs / 1000).toFixed(1)}s after the regression began`,
            ),
          ),
        ),
        `         decision ${event.decisionId}, wave ${event.wave}`,
        ...event.reasons.map((r) => `         ${formatReason(r)}`),
      ];
    case 'report':
      return [
        line(`decision report (Accept: text/html): ${style.bold(event.url)}`),
        `         saved as ${event.file}`,
      ];
    case 'stopped':
      return [
        line(
          event.privateRedis
            ? 'stopped the traffic, the services, the private Redis and the receiver'
            : 'stopped the traffic, the services and the receiver (your Redis keeps the rollout)',
        ),
      ];
  }
}

const BAR_WIDTH = 24;

/** The one-line progress indicator while a wave bakes. */
export function formatProgress(status: DemoStatus, now: number, frame: number): string {
  const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[frame % 10] ?? '-';
  const contacts = `${status.contacts.treatment.toLocaleString('en')} treatment / ${status.contacts.control.toLocaleString('en')} control contacts`;
  if (status.bakeStartedAt === null || status.bakeMs === 0 || status.phase !== 'wave') {
    return `${spinner} ${status.phase} · ${contacts}`;
  }
  const elapsed = Math.max(0, now - status.bakeStartedAt);
  const share = Math.min(1, elapsed / status.bakeMs);
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  return `${spinner} wave ${status.wave} (${status.percent}%) baking ${bar} ${Math.floor(elapsed / 1000)}s/${status.bakeMs / 1000}s · ${contacts}${status.regressed ? ' · compliance regressed' : ''}`;
}
