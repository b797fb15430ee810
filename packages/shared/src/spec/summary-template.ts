// The `summary` template of a rollout or a check: one line of text with `{{name}}` placeholders, filled in
// when a check bears on a decision. Substitution only: no expressions, no filters, no nesting, so a spec can
// never run code in the evaluator, and the rendered line is bounded by the template's length and the values'.

/** What a template may name, each filled in from the check's evidence when a decision is taken. */
export const SUMMARY_PLACEHOLDERS = [
  'rollout',
  'flag',
  'check',
  'outcome',
  'wave',
  'percent',
  'value',
  'interval',
  'limit',
  'window',
  'owner',
  'runbook',
] as const;
export type SummaryPlaceholder = (typeof SUMMARY_PLACEHOLDERS)[number];
export type SummaryValues = Readonly<Record<SummaryPlaceholder, string>>;

/** Longest template a spec may declare. */
export const SUMMARY_TEMPLATE_MAX = 300;
/** Longest rendered summary: PagerDuty's `payload.summary` limit, the tightest of the formats that carry it. */
export const SUMMARY_RENDERED_MAX = 1024;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const KNOWN = new Set<string>(SUMMARY_PLACEHOLDERS);

export function knownPlaceholdersText(): string {
  return SUMMARY_PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ');
}

/** Every problem of a template's syntax, each a sentence naming what is wrong and what is right; empty when valid. */
export function summaryTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!KNOWN.has(name)) {
      problems.push(`unknown placeholder {{${name}}}; expected one of ${knownPlaceholdersText()}`);
    }
  }
  const rest = template.replace(PLACEHOLDER, '');
  const stray = rest.match(/\{\{|\}\}/);
  if (stray !== null) {
    problems.push(
      `"${stray[0]}" without its pair; write a placeholder as {{check}} (known: ${knownPlaceholdersText()})`,
    );
  }
  return problems;
}

/** The template with each placeholder replaced, cut to SUMMARY_RENDERED_MAX. Assumes a validated template. */
export function renderSummary(template: string, values: SummaryValues): string {
  const text = template.replace(PLACEHOLDER, (whole, name: string) =>
    KNOWN.has(name) ? values[name as SummaryPlaceholder] : whole,
  );
  return text.length <= SUMMARY_RENDERED_MAX ? text : `${text.slice(0, SUMMARY_RENDERED_MAX - 1)}…`;
}
