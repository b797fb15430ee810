import { type CheckEvidence, type Decision, webhookReason } from '@rollout-guard/shared/decision';
import { distributionFigure } from './distribution-figure.ts';
import { html, type SafeHtml } from './html.ts';

function number(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : '−∞';
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function interval(pair: readonly [number | null, number | null] | null | undefined): string {
  return pair === null || pair === undefined ? '—' : `[${number(pair[0])}, ${number(pair[1])}]`;
}

export function time(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

function actorText(decision: Decision): string {
  return decision.actor.type === 'operator'
    ? `${decision.actor.name} (operator)`
    : 'rollout-guard (automatic)';
}

function allowedText(evidence: CheckEvidence): string {
  const parts: string[] = [];
  if (evidence.allowed.min !== undefined) parts.push(`min ${evidence.allowed.min}`);
  if (evidence.allowed.max !== undefined) parts.push(`max ${evidence.allowed.max}`);
  return parts.join(', ');
}

/** Under the interval: what decided, "judged by interval, 95% confidence" or "judged by value". */
function judgedText(evidence: CheckEvidence): string {
  const restart = evidence.window?.restart;
  const confidence = `${evidence.confidence * 100}% confidence${
    restart === undefined
      ? ''
      : `; window restart ${restart.index} at ${Number((restart.confidence * 100).toPrecision(6))}%`
  }`;
  if (evidence.judgedBy === 'value') return `judged by value (${confidence} interval shown)`;
  return evidence.judgedBy === 'interval' ? `judged by interval, ${confidence}` : confidence;
}

/** Who owns the check and its runbook, under its name; nothing when the spec declared neither. */
function oncallText(evidence: CheckEvidence): SafeHtml | string {
  if (evidence.owner === undefined && evidence.runbook === undefined) return '';
  return html`<div class="sub oncall">${evidence.owner === undefined ? '' : html`owner ${evidence.owner}`}${
    evidence.owner !== undefined && evidence.runbook !== undefined ? ' · ' : ''
  }${evidence.runbook === undefined ? '' : html`<a href="${evidence.runbook}">runbook</a>`}</div>`;
}

function checkRow(evidence: CheckEvidence): SafeHtml {
  const reason = webhookReason(evidence);
  const window =
    evidence.window === null
      ? evidence.windowSpec
      : `${evidence.windowSpec}: ${time(evidence.window.from)} → ${time(evidence.window.to)}`;
  const reference = evidence.reference ?? (evidence.compare === 'absolute' ? 'none (absolute)' : 'no data');
  return html`<tr class="outcome-${evidence.outcome}">
  <th scope="row">${evidence.check}<div class="sub">${evidence.role}, compare ${evidence.compare}${evidence.shadow === true ? ', shadow: not counted, never acts' : ''}</div>${oncallText(evidence)}</th>
  <td class="num">${number(reason.value)}</td>
  <td class="num">${interval(reason.interval)}<div class="sub">${judgedText(evidence)}</div></td>
  <td>${allowedText(evidence)}<div class="sub">from ${evidence.limitSource}</div></td>
  <td class="num">treatment ${evidence.cohorts.treatment?.samples ?? 0}<br>${reference} ${evidence.cohorts.reference?.samples ?? 0}<div class="sub">min ${evidence.minSamples}</div></td>
  <td>${window}</td>
  <td><strong>${evidence.outcome}</strong>${evidence.consecutive === undefined ? '' : html`<div class="sub">${evidence.consecutive.count} of ${evidence.consecutive.required} in a row</div>`}</td>
</tr>
<tr class="detail"><td colspan="7">${evidence.summary === undefined ? '' : html`<strong class="summary">${evidence.summary}</strong> `}<span class="rule">Rule: ${evidence.rule}.</span> ${evidence.explanation}${distributionFigure(evidence)}</td></tr>`;
}

export interface ReportLinks {
  /** The same decision as JSON. */
  readonly json: string;
  /** The rollout's decisions, as JSON. */
  readonly rollout: string;
  /** The decision's evidence pack to download (HTML, JSON), when it has one. */
  readonly evidencePack?: { readonly html: string; readonly json: string };
}

/** What a page built on the report adds: a title, rows for the summary, sections after the checks. */
export interface ReportExtras {
  readonly title?: string;
  /** Above the rollout's name: what kind of document this is. */
  readonly kicker?: string;
  readonly facts?: SafeHtml;
  readonly sections?: SafeHtml;
  readonly styles?: SafeHtml;
}

/**
 * The decision as a page a go/no-go review can read and sign: what was decided, when, by whom, by which
 * rule, and every check with its value, interval, the limit applied in that wave, samples per cohort and the
 * window. Plain HTML with print styles, no scripts, nothing fetched.
 */
export function renderDecisionReport(
  decision: Decision,
  links: ReportLinks,
  extras: ReportExtras = {},
): string {
  const wave =
    decision.wave === null ? 'before wave 1' : `wave ${decision.wave.index} (${decision.wave.percent}%)`;
  const shadow = decision.shadow === true;
  const title =
    extras.title ?? `${decision.rollout}: ${shadow ? 'shadow ' : ''}${decision.kind} ${decision.outcome}`;
  const rows = decision.checks.map(checkRow);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; color: #111; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .verdict { font-size: 1.2rem; font-weight: 600; padding: .4rem .8rem; border: 2px solid #111; display: inline-block; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dt { color: #555; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { border-bottom: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  thead th { border-bottom: 2px solid #111; }
  td.num { font-variant-numeric: tabular-nums; }
  .sub { color: #555; font-size: .85em; }
  .shadow { border-left: 4px solid #777; padding-left: .6rem; }
  tr.detail td { color: #333; font-size: .9em; border-bottom: 1px solid #999; }
  .outcome-breached strong, .outcome-fail strong { color: #a00; }
  .outcome-ok strong, .outcome-pass strong { color: #060; }
  @media print { a { color: inherit; } body { margin: 0; max-width: none; } .noprint { display: none; } tr { break-inside: avoid; } }
${extras.styles ?? ''}
</style>
</head>
<body>
${extras.kicker === undefined ? '' : html`<p class="sub">${extras.kicker}</p>`}<h1>${decision.rollout} — ${decision.kind}</h1>
<p class="verdict">${decision.outcome}${shadow ? ' (shadow)' : ''}</p>
${shadow ? html`<p class="shadow"><strong>Shadow decision:</strong> judged exactly as for real and recorded, but nothing acted — no flag was turned and no wave moved.</p>` : ''}
<p>${decision.reason}</p>
<dl>
  <dt>Decided</dt><dd>${time(decision.at)}</dd>
  <dt>Decision id</dt><dd><code>${decision.id}</code></dd>
  <dt>Flag</dt><dd><code>${decision.flag}</code></dd>
  <dt>Wave</dt><dd>${wave}</dd>
  <dt>Phase</dt><dd>${decision.phase.from} → ${decision.phase.to}</dd>
  <dt>Spec version</dt><dd>${decision.specVersion}</dd>
  <dt>Actor</dt><dd>${actorText(decision)}</dd>
${decision.owner === undefined ? '' : html`<dt>Owner</dt><dd>${decision.owner}</dd>`}
${decision.runbook === undefined ? '' : html`<dt>Runbook</dt><dd><a href="${decision.runbook}">${decision.runbook}</a></dd>`}
  <dt>Evidence as JSON</dt><dd><a href="${links.json}">${links.json}</a></dd>
${links.evidencePack === undefined ? '' : html`<dt class="noprint">Evidence pack</dt><dd class="noprint"><a href="${links.evidencePack.html}" download>printable page</a> · <a href="${links.evidencePack.json}" download>JSON</a> (with the spec in force, approvals and deliveries)</dd>`}
${extras.facts ?? ''}
</dl>
${
  rows.length === 0
    ? html`<p>No check bore on this decision.</p>`
    : html`<table>
<thead><tr><th>Check</th><th>Value</th><th>Interval</th><th>Limit in this wave</th><th>Samples</th><th>Window</th><th>Outcome</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="sub">Values of baseline/control checks are the difference treatment − reference, as a fraction when the limit is a percentage (+5% is 0.05). Intervals are always-valid confidence sequences: valid however often the rollout is evaluated.</p>`
}
${extras.sections ?? ''}
<p class="noprint"><a href="${links.rollout}">All decisions of ${decision.rollout}</a></p>
</body>
</html>
`;
  return page.text;
}
