import { formatPath, type Problem } from './problem.ts';
import type { Check, RolloutSpec } from './resolved.ts';

/**
 * Why a check is judged by its value rather than its always-valid interval, from the spec alone; undefined
 * when it is judged by its interval. (An aggregate can also lack an interval for some data only — `rate` of a
 * gauge — which the evaluator finds out and says in the decision.)
 */
export function judgedByValueBecause(
  check: Pick<Check, 'judge' | 'metric' | 'aggregate'>,
): string | undefined {
  if (check.judge === 'value') return 'judge: value';
  if (check.metric.kind === 'promql') return 'a PromQL value has no confidence interval';
  if (check.metric.kind === 'ratio') return undefined;
  if (check.aggregate === 'min' || check.aggregate === 'max' || check.aggregate === 'last') {
    return `${check.aggregate} has no confidence interval`;
  }
  return undefined;
}

/**
 * What is valid but probably not meant: a guardrail judged by value that acts on a single evaluation. Judged
 * again after every batch, a value near its limit crosses it by noise sooner or later, so such a guardrail rolls
 * back healthy releases (STATISTICS.md §5 measures how often).
 */
export function specWarnings(spec: RolloutSpec): Problem[] {
  return [...judgedByValueWarnings(spec), ...trafficAmountWarnings(spec), ...plainHttpRunbookWarnings(spec)];
}

/**
 * A `rate`, `count` or `sum` compared with the control or the baseline: these are amounts of traffic, and the
 * cohorts carry different shares of it (at a 25% wave the treatment gets a third of the control's requests;
 * the baseline is the whole population), so a healthy release differs from its reference by the shares
 * alone, and a lower limit on the difference would roll it back. A ratio or a mean compares like with like.
 */
function trafficAmountWarnings(spec: RolloutSpec): Problem[] {
  const groups = [
    ['guardrails', spec.spec.guardrails],
    ['successCriteria', spec.spec.successCriteria],
  ] as const;
  return groups.flatMap(([group, checks]) =>
    checks.flatMap((check, index): Problem[] => {
      const amount = check.aggregate === 'rate' || check.aggregate === 'count' || check.aggregate === 'sum';
      if (!amount || check.metric.kind !== 'name' || check.compare === 'absolute') return [];
      return [
        {
          path: formatPath(['spec', group, index, 'compare']),
          message: `${check.name} compares a ${check.aggregate} with the ${check.compare}, but the cohorts carry different shares of the traffic (the treatment the wave's percent, the control the rest, the baseline all of it), so the difference moves with the wave even when nothing is wrong; compare a ratio (errors / requests) or a mean, or judge the ${check.aggregate} with compare: absolute`,
        },
      ];
    }),
  );
}

/**
 * A runbook over plain http: valid (an internal wiki may have no TLS), but on-call opens it from a phone on any
 * network, where it can be read or altered on the way.
 */
function plainHttpRunbookWarnings(spec: RolloutSpec): Problem[] {
  const warn = (path: (string | number)[], url: string): Problem => ({
    path: formatPath(path),
    message: `runbook ${url} is plain http: on-call opens it from anywhere, where it can be read or changed on the way; use https if the server has it`,
  });
  const rollout = spec.spec.runbook;
  const problems = rollout?.startsWith('http:') ? [warn(['spec', 'runbook'], rollout)] : [];
  for (const group of ['guardrails', 'successCriteria'] as const) {
    spec.spec[group].forEach((check, index) => {
      // A check without its own runbook carries the rollout's, already warned about.
      if (check.runbook?.startsWith('http:') && check.runbook !== rollout) {
        problems.push(warn(['spec', group, index, 'runbook'], check.runbook));
      }
    });
  }
  return problems;
}

function judgedByValueWarnings(spec: RolloutSpec): Problem[] {
  return spec.spec.guardrails.flatMap((guardrail, index): Problem[] => {
    const because = judgedByValueBecause(guardrail);
    if (because === undefined || guardrail.consecutive > 1 || guardrail.onBreach === 'alert') return [];
    const fix =
      because === 'judge: value'
        ? 'remove judge: value to act on the whole interval, or set consecutive: 3 or more'
        : guardrail.metric.kind === 'promql'
          ? 'set consecutive: 3 or more, or send the metric to rollout-guard (OTLP or remote write) to judge it by its interval'
          : 'set consecutive: 3 or more, or use an aggregate with an interval (mean, a quantile, a ratio, a rate)';
    return [
      {
        path: formatPath(['spec', 'guardrails', index, 'consecutive']),
        message: `guardrail ${guardrail.name} is judged by value (${because}) and will ${guardrail.onBreach} on a single evaluation, so noise near the limit can trigger it; ${fix}`,
      },
    ];
  });
}
