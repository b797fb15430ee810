import type { z } from 'zod';
import { parseDuration } from './duration.ts';
import { PERCENT_PATTERN } from './limit.ts';

// Cross-field rules. They run even when some fields failed their own rules, so the input here is
// only partly trustworthy: every read checks the shape it needs and skips what is not there.

type Ctx = z.RefinementCtx<unknown>;
type Path = (string | number)[];

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function durationMs(value: unknown): number | undefined {
  return typeof value === 'string' ? parseDuration(value)?.ms : undefined;
}

/** `atKey`: the problem is the key itself (an allowedByWave percent), so locate the key, not its value. */
function problem(ctx: Ctx, path: Path, message: string, atKey = false): void {
  ctx.addIssue({ code: 'custom', path, message, ...(atKey && { params: { atKey: true } }) });
}

function checkWaves(ctx: Ctx, waves: unknown[]): void {
  let previous: number | undefined;
  waves.forEach((value, index) => {
    const wave = record(value);
    const percent = wave?.percent;
    if (typeof percent !== 'number') return;
    if (previous !== undefined && percent <= previous) {
      problem(
        ctx,
        ['spec', 'waves', index, 'percent'],
        `expected a percent greater than the previous wave's ${previous}; wave percents must strictly increase`,
      );
    }
    previous = percent;
    const bake = durationMs(wave?.bake ?? '1d');
    const maxBake = durationMs(wave?.maxBake);
    const extend = durationMs(wave?.extend);
    if (bake === undefined) return;
    if (maxBake !== undefined && maxBake < bake) {
      problem(
        ctx,
        ['spec', 'waves', index, 'maxBake'],
        `expected maxBake at least as long as the bake (${String(wave?.bake ?? '1d')}); it is the longest the wave may bake`,
      );
      return;
    }
    const ceiling = maxBake ?? bake * 2;
    if (extend !== undefined && ceiling > bake && extend > ceiling - bake) {
      problem(
        ctx,
        ['spec', 'waves', index, 'extend'],
        `expected extend to fit at least once between the bake and maxBake (${maxBake === undefined ? 'twice the bake by default' : String(wave?.maxBake)}); shorten extend or raise maxBake`,
      );
    }
  });
  const last = record(waves.at(-1))?.percent;
  if (typeof last === 'number' && last !== 100) {
    problem(
      ctx,
      ['spec', 'waves', waves.length - 1, 'percent'],
      `expected the last wave to be 100, not ${last}`,
    );
  }
}

function isPercent(value: unknown): value is string {
  return typeof value === 'string' && PERCENT_PATTERN.test(value);
}

function checkAllowed(ctx: Ctx, allowed: unknown, path: Path, compare: unknown): void {
  const bounds = record(allowed);
  if (!bounds) return;
  const relativeOk = compare === 'baseline' || compare === 'control';
  for (const bound of ['min', 'max'] as const) {
    if (isPercent(bounds[bound]) && !relativeOk) {
      problem(
        ctx,
        [...path, bound],
        `a percentage like "${bounds[bound]}" is relative to a reference; with compare: absolute write a number (3% → 0.03), or set compare: control or baseline`,
      );
    }
  }
  const { min, max } = bounds;
  const numbers = typeof min === 'number' && typeof max === 'number';
  const percents = isPercent(min) && isPercent(max);
  if ((numbers && min > max) || (percents && Number.parseFloat(min) > Number.parseFloat(max))) {
    problem(
      ctx,
      [...path, 'min'],
      `expected min (${String(min)}) not to exceed max (${String(max)}); nothing could pass`,
    );
  }
}

// A wave's bounds are allowed's with the wave's own replacing them, so a bound kept from allowed
// can contradict one given for the wave.
function checkMergedBounds(
  ctx: Ctx,
  allowed: Record<string, unknown> | undefined,
  override: Record<string, unknown> | undefined,
  path: Path,
  percent: string,
): void {
  if (!allowed || !override) return;
  const min = override.min ?? allowed.min;
  const max = override.max ?? allowed.max;
  if (override.min !== undefined && override.max !== undefined) return; // checkAllowed judged these
  const numbers = typeof min === 'number' && typeof max === 'number';
  const percents = isPercent(min) && isPercent(max);
  if ((numbers && min > max) || (percents && Number.parseFloat(min) > Number.parseFloat(max))) {
    const kept = override.min === undefined ? 'min' : 'max';
    problem(
      ctx,
      path,
      `in the ${percent}% wave min (${String(min)}) exceeds max (${String(max)}); ${kept} comes from allowed, so set both here`,
    );
  }
}

function checkCheck(
  ctx: Ctx,
  value: unknown,
  path: Path,
  spec: Record<string, unknown>,
  wavePercents: readonly number[],
): void {
  const check = record(value);
  if (!check) return;
  const metric = record(check.metric);
  if (check.aggregate !== undefined && check.quantile !== undefined) {
    problem(
      ctx,
      [...path, 'quantile'],
      'expected either aggregate or quantile, not both (quantile: 0.975 is aggregate: p975)',
    );
  }
  if (metric && 'ratio' in metric && (check.aggregate !== undefined || check.quantile !== undefined)) {
    problem(
      ctx,
      [...path, check.aggregate !== undefined ? 'aggregate' : 'quantile'],
      'a ratio is its own quantity (the increase of numerator / denominator); remove the aggregate',
    );
  }
  if (
    metric &&
    'promql' in metric &&
    metric.url === undefined &&
    record(spec.prometheus)?.url === undefined
  ) {
    problem(
      ctx,
      [...path, 'metric', 'url'],
      'a promql check needs the address of a Prometheus: set metric.url or spec.prometheus.url, like "http://prometheus:9090"',
    );
  }
  const compare = check.compare ?? 'absolute';
  if (check.aggregate === 'distribution') checkDistribution(ctx, check, path, compare);
  else checkNotDistribution(ctx, check, path);
  if (compare === 'baseline' && spec.baseline === undefined) {
    problem(
      ctx,
      [...path, 'compare'],
      'compare: baseline needs a baseline to compare with; add spec.baseline: { window: 1h }',
    );
  }
  checkAllowed(ctx, check.allowed, [...path, 'allowed'], compare);
  const byWave = record(check.allowedByWave);
  for (const [key, allowed] of Object.entries(byWave ?? {})) {
    const keyPath = [...path, 'allowedByWave', key];
    if (wavePercents.length > 0 && !wavePercents.includes(Number(key))) {
      problem(
        ctx,
        keyPath,
        `expected a wave percent of this rollout (${wavePercents.join(', ')}), not ${key}`,
        true,
      );
    }
    checkAllowed(ctx, allowed, keyPath, compare);
    checkMergedBounds(ctx, record(check.allowed), record(allowed), keyPath, key);
  }
}

// A distribution check is judged against its tolerance, a distance between two cohorts; every other check
// against allowed. Each refuses the other's fields so that a spec says one thing one way.
function checkDistribution(ctx: Ctx, check: Record<string, unknown>, path: Path, compare: unknown): void {
  if (compare !== 'control' && compare !== 'baseline') {
    problem(
      ctx,
      [...path, 'compare'],
      'a distribution is compared with a reference: set compare: control (or baseline)',
    );
  }
  const metric = record(check.metric);
  if (metric && 'promql' in metric) {
    problem(
      ctx,
      [...path, 'aggregate'],
      'a PromQL value has no distribution; use the histogram metric by name, like http_server_duration_seconds',
    );
  }
  if (check.tolerance === undefined) {
    problem(
      ctx,
      [...path, 'tolerance'],
      'missing; expected the tolerance of a distribution check, like tolerance: 0.05 (5 percentage points of requests)',
    );
  }
  for (const field of ['allowed', 'allowedByWave'] as const) {
    if (check[field] !== undefined) {
      problem(
        ctx,
        [...path, field],
        `a distribution check is judged against its tolerance, not ${field}; remove ${field} and set tolerance: 0.05`,
      );
    }
  }
}

function checkNotDistribution(ctx: Ctx, check: Record<string, unknown>, path: Path): void {
  if (check.allowed === undefined) {
    problem(
      ctx,
      [...path, 'allowed'],
      'missing; expected the range the value must stay in, like { max: 0.05 } or { min: "-1%", max: "+5%" }',
    );
  }
  for (const field of ['tolerance', 'boundaries'] as const) {
    if (check[field] !== undefined) {
      problem(
        ctx,
        [...path, field],
        `${field} belongs to a distribution check: set aggregate: distribution, or remove ${field}`,
      );
    }
  }
}

export function checkCrossFieldRules(value: unknown, ctx: Ctx): void {
  const spec = record(record(value)?.spec);
  if (!spec) return;
  const waves =
    spec.waves === undefined ? [{ percent: 25 }, { percent: 50 }, { percent: 100 }] : list(spec.waves);
  checkWaves(ctx, waves);
  const wavePercents = waves
    .map((wave) => record(wave)?.percent)
    .filter((p): p is number => typeof p === 'number');

  const cohorts = record(spec.cohorts);
  if (cohorts && cohorts.treatment !== undefined && cohorts.treatment === cohorts.control) {
    problem(
      ctx,
      ['spec', 'cohorts', 'control'],
      `expected a control value different from the treatment ("${String(cohorts.treatment)}")`,
    );
  }

  const seen = new Map<string, string>();
  for (const group of ['guardrails', 'successCriteria'] as const) {
    list(spec[group]).forEach((check, index) => {
      const path: Path = ['spec', group, index];
      checkCheck(ctx, check, path, spec, wavePercents);
      const name = record(check)?.name;
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first) {
        problem(ctx, [...path, 'name'], `expected a unique name: "${name}" is already used by ${first}`);
      } else {
        seen.set(name, `spec.${group}[${index}]`);
      }
    });
  }
  if (list(spec.guardrails).length === 0 && list(spec.successCriteria).length === 0) {
    problem(
      ctx,
      ['spec'],
      'expected at least one guardrail or success criterion: a rollout with nothing to judge',
    );
  }
}
