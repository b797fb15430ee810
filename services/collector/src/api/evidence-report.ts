import type { Decision } from '@rollout-guard/shared/decision';
import { stringify } from 'yaml';
import type { AuditEntryView } from './api-schemas.ts';
import { renderDecisionReport, time } from './decision-report.ts';
import type { EvidencePack } from './evidence-pack.ts';
import { html, SafeHtml } from './html.ts';

// Sections start on their own printed page only when they would not fit; the sign-off box never splits.
const STYLES = new SafeHtml(`
  td, dd { overflow-wrap: anywhere; }
  td code { word-break: break-all; }
  h2 { font-size: 1.1rem; margin-top: 1.6rem; border-bottom: 2px solid #111; padding-bottom: .2rem; }
  pre.spec { font: 12px/1.35 ui-monospace, monospace; background: #f6f6f6; padding: .6rem; white-space: pre-wrap; overflow-wrap: anywhere; }
  .signoff { margin-top: 2rem; border: 1px solid #111; padding: .8rem; display: grid; grid-template-columns: 1fr 1fr; gap: 1.6rem 2rem; break-inside: avoid; }
  .signoff div { border-bottom: 1px solid #111; padding-top: 1.6rem; color: #555; font-size: .85em; }
  @media print { h2 { break-after: avoid; } pre.spec { background: none; border: 1px solid #ccc; } @page { margin: 1.5cm; } }
`);

function approvalRow(entry: AuditEntryView): SafeHtml {
  return html`<tr>
  <td>${time(entry.at)}</td>
  <td>${entry.actor}</td>
  <td><strong>${entry.kind === 'refused' ? 'refused' : 'approved'}</strong>${entry.kind === 'refused' ? html`<div class="sub">${entry.summary}</div>` : ''}</td>
  <td>${entry.reason ?? '—'}</td>
  <td>${entry.decisions.length === 0 ? '—' : entry.decisions.map((id) => html`<code>${id}</code> `)}</td>
</tr>`;
}

function approvalsSection(pack: EvidencePack): SafeHtml {
  const auto = pack.spec.approval === 'auto';
  if (pack.approvals.length === 0) {
    return html`<h2>Approvals</h2>
<p>${auto ? 'None needed: this spec version advances on a go verdict by itself (approval: auto).' : 'No approval has been asked for at this wave since the decision.'}</p>`;
  }
  return html`<h2>Approvals</h2>
<table>
<thead><tr><th>When</th><th>Who</th><th>Outcome</th><th>Reason given</th><th>Decisions taken</th></tr></thead>
<tbody>${pack.approvals.map(approvalRow)}</tbody>
</table>
${
  pack.followingDecisions.length === 0
    ? ''
    : html`<ul>${pack.followingDecisions.map(
        (d) => html`<li><code>${d.id}</code>: ${d.kind} ${d.outcome} at ${time(d.at)}. ${d.reason}</li>`,
      )}</ul>`
}`;
}

function deliveriesSection(pack: EvidencePack): SafeHtml {
  if (pack.deliveries.length === 0)
    return html`<h2>Webhook deliveries</h2><p>No webhook was sent for these decisions.</p>`;
  return html`<h2>Webhook deliveries</h2>
<table>
<thead><tr><th>Delivery</th><th>Webhook</th><th>To</th><th>Status</th><th>Attempts</th><th>Delivered</th></tr></thead>
<tbody>${pack.deliveries.map(
    (d) => html`<tr>
  <td><code>${d.id}</code></td>
  <td>${d.webhook}</td>
  <td>${d.format} ${d.destination}</td>
  <td><strong>${d.status}</strong>${d.note === undefined ? '' : html`<div class="sub">${d.note}</div>`}</td>
  <td class="num">${d.attempts}</td>
  <td>${d.deliveredAt === null ? '—' : time(d.deliveredAt)}</td>
</tr>`,
  )}</tbody>
</table>`;
}

/**
 * The evidence pack as one self-contained page that prints well: the decision report (every check with value,
 * interval, limit, samples), then the approvals, the webhooks, the spec version in force (secrets redacted)
 * and a sign-off box for the review. No scripts, nothing fetched.
 */
export function renderEvidencePack(
  pack: EvidencePack,
  decision: Decision,
  links: { json: string; rollout: string },
): string {
  const sections = html`${approvalsSection(pack)}
${deliveriesSection(pack)}
<h2>Spec version ${pack.spec.version} in force</h2>
<p class="sub">Stored ${time(pack.spec.createdAt)} by ${pack.spec.actor}, as written (defaults apply to what it leaves out); literal secrets shown as [redacted].</p>
<pre class="spec">${stringify(pack.spec.content).trimEnd()}</pre>
<section class="signoff" aria-label="Sign-off">
  <div>Reviewed by</div><div>Date</div>
  <div>Decision for the next wave (go / hold)</div><div>Signature</div>
</section>`;
  return renderDecisionReport(decision, links, {
    title: `Evidence pack: ${decision.rollout} ${decision.kind} ${decision.outcome}${decision.wave === null ? '' : `, wave ${decision.wave.index}`}`,
    kicker: 'Evidence pack of a rollout-guard decision',
    facts: html`<dt>Pack generated</dt><dd>${time(pack.generatedAt)}</dd>`,
    sections,
    styles: STYLES,
  });
}
