import { type ApiClient, ApiError } from './api-client.ts';
import type { RolloutPlanResponse } from './api-types.ts';
import { h } from './dom.ts';
import { duration, number } from './format.ts';

type CheckPlan = RolloutPlanResponse['waves'][number]['checks'][number];

/** Samples per cohort, as "treatment / reference". */
function samplesText(samples: { treatment: number; reference: number | null } | null): string {
  if (samples === null) return '—';
  return samples.reference === null
    ? number(Math.ceil(samples.treatment))
    : `${number(Math.ceil(samples.treatment))} / ${number(Math.ceil(samples.reference))}`;
}

function minutesText(minutes: number | null): string {
  return minutes === null ? 'never' : duration(minutes * 60_000);
}

/** What a check needs: for a criterion, the verdict; for a guardrail, acting on the planned breach. */
function needs(check: CheckPlan): [string, string, string] {
  if (check.verdict !== null) {
    return [
      `${check.verdict.expected} at ${check.verdict.checkpoint}`,
      samplesText(check.verdict.samples),
      minutesText(check.verdict.minutes),
    ];
  }
  if (check.breach !== null) {
    return [
      `act on a breach of ${check.breach.value ?? '—'}`,
      samplesText(check.breach.samples),
      minutesText(check.breach.minutes),
    ];
  }
  return [check.note ?? check.method, '—', '—'];
}

function planTable(plan: RolloutPlanResponse): HTMLElement {
  return h(
    'table',
    { id: 'plan-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Wave', 'Check', 'Needs', 'Samples (treatment / reference)', 'Time needed', 'Warnings'].map((t) =>
          h('th', {}, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      plan.waves.flatMap((wave) =>
        wave.checks.map((check) => {
          const [what, samples, time] = needs(check);
          return h(
            'tr',
            { 'data-wave': wave.index, 'data-check': check.check },
            h('td', {}, `${wave.index} (${wave.percent}%, bake ${duration(wave.bakeMinutes * 60_000)})`),
            h('td', {}, check.check, check.shadow ? ' (shadow)' : ''),
            h('td', {}, what),
            h('td', { class: 'num' }, samples),
            h('td', { class: 'num' }, time),
            h('td', {}, check.warnings.length === 0 ? '—' : check.warnings.join('; ')),
          );
        }),
      ),
    ),
  );
}

/**
 * The rollout's plan on its page: a traffic input (requests per minute across the whole population) that
 * asks the planner (`GET /api/v1/rollouts/{name}/plan`) for the spec the rollout runs by, and shows per wave
 * and check the samples and time a verdict or an action needs, and the warnings. Each check's expected value
 * is the planner's default here; the CLI's `plan` takes them per check.
 */
export function planPanel(api: ApiClient, name: string): HTMLElement {
  const result = h('div', { id: 'plan-result', role: 'status' });
  const input = h('input', {
    id: 'plan-traffic',
    type: 'number',
    min: '1',
    step: 'any',
    required: true,
    placeholder: 'e.g. 2000',
  });
  const show = (...children: Node[]) => result.replaceChildren(...children);
  const submit = async (event: Event) => {
    event.preventDefault();
    const traffic = Number(input.value);
    if (!(traffic > 0)) {
      show(
        h('p', { class: 'error' }, 'Enter the requests per minute across the whole population, like 2000.'),
      );
      return;
    }
    show(h('p', {}, 'Planning…'));
    try {
      const plan = await api.plan(name, traffic);
      show(
        plan.warnings.length === 0
          ? h('p', { id: 'plan-warnings' }, 'No warnings: every wave can reach a verdict at this traffic.')
          : h(
              'ul',
              { id: 'plan-warnings', class: 'attention-list' },
              plan.warnings.map((w) => h('li', { class: 'warn' }, w)),
            ),
        h('div', { class: 'scroll' }, planTable(plan)),
      );
    } catch (error) {
      show(h('p', { class: 'error' }, error instanceof ApiError ? error.message : String(error)));
    }
  };
  return h(
    'section',
    { id: 'plan' },
    h(
      'form',
      { 'on:submit': (event) => void submit(event) },
      h('label', { for: 'plan-traffic' }, 'Traffic (requests per minute) '),
      input,
      ' ',
      h('button', { type: 'submit' }, 'Plan the waves'),
    ),
    result,
  );
}
