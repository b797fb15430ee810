import { z } from 'zod';

// What the planner must be told about traffic and each check's metric. Everything but the traffic has a
// default, and every default used is named in the plan, so a reader sees what was assumed.

const positive = (what: string, example: string) =>
  z
    .number({ error: `expected ${what}, like ${example}` })
    .positive({ error: `expected ${what} greater than 0, like ${example}` });

export const checkExpectationSchema = z
  .strictObject({
    value: z.number({ error: 'expected a number, like 0.01' }).optional().meta({
      description:
        "The metric's expected value: the treatment's for an absolute check (default: two thirds of the way from 0 to its limit), the reference's for a comparison (default: 0.01 for a ratio, 1 for a mean).",
    }),
    sd: positive('a standard deviation', '0.4').optional().meta({
      description:
        'Standard deviation of one observation, for means (default: equal to the value, a coefficient of variation of 1). Ratios need none.',
    }),
    effect: z
      .number({ error: 'expected a number in the units of the limit, like 0 or 0.02' })
      .optional()
      .meta({
        description:
          'Expected treatment − reference, in the units of the limit (a fraction for "+5%" limits). Default 0: no real difference.',
      }),
    breach: z.number({ error: 'expected a number in the units of the limit, like 0.06' }).optional().meta({
      description:
        'Guardrails: the compared quantity under the breach to detect. Default: as far beyond the limit as the expected value lies inside it.',
    }),
    samplesPerRequest: positive('a number of observations per request', '1')
      .optional()
      .meta({ description: 'Observations of the metric per request. Default 1.' }),
  })
  .meta({ description: "What one check's metric is expected to look like." });

export const planAssumptionsSchema = z
  .strictObject({
    traffic: positive('requests per minute across the whole population', '2000').meta({
      description: 'Requests per minute across the whole population, both cohorts together.',
    }),
    checks: z
      .record(z.string(), checkExpectationSchema, {
        error: 'expected a map from check name to its expectations',
      })
      .default({})
      .meta({ description: 'Per check name: its expected value, spread, effect and the breach to detect.' }),
  })
  .meta({ title: 'rollout-guard plan assumptions' });

export type CheckExpectation = z.output<typeof checkExpectationSchema>;
export type CheckExpectationInput = z.input<typeof checkExpectationSchema>;
export type PlanAssumptions = z.output<typeof planAssumptionsSchema>;
export type PlanAssumptionsInput = z.input<typeof planAssumptionsSchema>;

const CHECK_KEYS = ['value', 'sd', 'effect', 'breach', 'samplesPerRequest'] as const;
export const CHECK_OPTION_HINT = `expected NAME:KEY=NUMBER[,KEY=NUMBER…] with KEY one of ${CHECK_KEYS.join(', ')}, like errors:value=0.01,breach=0.02`;

/**
 * One check's expectations written on one line, as the CLI's `--check` and the API's `check` query take
 * them: `errors:value=0.01,breach=0.02` → ["errors", { value: 0.01, breach: 0.02 }].
 */
export function parseCheckOption(
  text: string,
): { ok: true; name: string; fields: Record<string, number> } | { ok: false; message: string } {
  const colon = text.indexOf(':');
  if (colon <= 0) return { ok: false, message: `${text}: ${CHECK_OPTION_HINT}` };
  const fields: Record<string, number> = {};
  for (const pair of text.slice(colon + 1).split(',')) {
    const [key = '', value = '', ...rest] = pair.split('=');
    const number = Number(value);
    if (
      !(CHECK_KEYS as readonly string[]).includes(key) ||
      value === '' ||
      rest.length > 0 ||
      !Number.isFinite(number)
    ) {
      return { ok: false, message: `${text}: "${pair}" is not KEY=NUMBER; ${CHECK_OPTION_HINT}` };
    }
    fields[key] = number;
  }
  return { ok: true, name: text.slice(0, colon), fields };
}
