import { z } from 'zod';
import { SUMMARY_TEMPLATE_MAX, summaryTemplateProblems } from './summary-template.ts';

// Who is paged and what they should read: `owner`, `runbook` and `summary`, declared for the rollout and
// for any check (a check's own override the rollout's). Every notification carries them.

export const OWNER_MAX = 128;
export const RUNBOOK_MAX = 2000;

const OWNER_HINT = `expected who is paged, like "support-platform-oncall": one line of at most ${OWNER_MAX} characters`;
const RUNBOOK_HINT =
  'expected the absolute http(s) URL of a runbook, like "https://runbooks.internal/copilot"';

export const ownerInput = z
  .string({ error: OWNER_HINT })
  .min(1, { error: OWNER_HINT })
  .max(OWNER_MAX, { error: OWNER_HINT })
  .regex(/^[^\r\n]+$/, { error: OWNER_HINT })
  .meta({ description: 'Who is paged (a team, a rotation, a person); carried by every notification.' });

export const runbookInput = z
  .url({ protocol: /^https?$/, error: RUNBOOK_HINT })
  .max(RUNBOOK_MAX, { error: `expected a runbook URL of at most ${RUNBOOK_MAX} characters` })
  .meta({
    description: 'The absolute http(s) URL on-call should read first; linked from every notification.',
  });

export const summaryInput = z
  .string({ error: 'expected a one-line summary template, like "{{check}} at {{value}} (limit {{limit}})"' })
  .min(1, { error: 'expected a summary template, not an empty string' })
  .max(SUMMARY_TEMPLATE_MAX, {
    error: `expected a summary template of at most ${SUMMARY_TEMPLATE_MAX} characters`,
  })
  .regex(/^[^\r\n]+$/, { error: 'expected a summary on one line, without line breaks' })
  .superRefine((template, ctx) => {
    for (const message of summaryTemplateProblems(template)) ctx.addIssue({ code: 'custom', message });
  })
  .meta({
    description:
      "One line for the alert's title, with placeholders such as {{check}}, {{value}}, {{limit}}, {{wave}}, {{owner}} (see the spec reference).",
  });

/** The three fields, for the rollout's spec and for each check. */
export const oncallFields = {
  owner: ownerInput.optional(),
  runbook: runbookInput.optional(),
  summary: summaryInput.optional(),
};

/** What a rollout or check declares for on-call, resolved: a check's own, or the rollout's. */
export interface Oncall {
  readonly owner?: string;
  readonly runbook?: string;
  /** The template, not yet rendered. */
  readonly summary?: string;
}

type OncallInput = { readonly [K in keyof Oncall]?: string | undefined };

/** `own` over `fallback`, field by field; only the fields one of them has. */
export function mergeOncall(own: OncallInput, fallback: Oncall): Oncall {
  const owner = own.owner ?? fallback.owner;
  const runbook = own.runbook ?? fallback.runbook;
  const summary = own.summary ?? fallback.summary;
  return {
    ...(owner !== undefined && { owner }),
    ...(runbook !== undefined && { runbook }),
    ...(summary !== undefined && { summary }),
  };
}
