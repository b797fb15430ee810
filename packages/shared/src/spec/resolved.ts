import type { Aggregate } from './aggregate.ts';
import type { Compare, Judge, Mode } from './check.ts';
import type { Duration } from './duration.ts';
import type { Allowed } from './limit.ts';
import type { MetricRef } from './metric.ts';
import type { Oncall } from './oncall.ts';
import type { ScrapeTarget } from './scrape.ts';
import type { Secret } from './secret.ts';

// The spec after parsing: every default applied, durations and limits parsed, secrets split into
// env references and literals. Consumers never see the input shapes.

export interface Wave {
  /** 0-based position in spec.waves. */
  readonly index: number;
  readonly percent: number;
  readonly bake: Duration;
  readonly minSamples: number;
  readonly extend: Duration;
  readonly maxBake: Duration;
}

/** `wave`: everything since the current wave began; a duration: a trailing window. */
export type Window = 'wave' | Duration;

/** A distribution check's settings as the spec declares them. */
export interface DistributionSettings {
  /** The largest allowed shift in the share of observations on one side of any boundary (0.05 = 5 points). */
  readonly tolerance: number;
  /** Where the two distributions are compared, in the metric's unit; absent: the histogram's own bounds. */
  readonly boundaries?: readonly number[];
}

interface CheckBase extends Oncall {
  readonly name: string;
  readonly metric: MetricRef;
  /** For a ratio this is `mean` and means nothing: the ratio is its own quantity. */
  readonly aggregate: Aggregate;
  /** Present exactly when the aggregate is a quantile (`p99` → 0.99). */
  readonly quantile?: number;
  readonly compare: Compare;
  /** `aggregate: distribution` only: `allowed` is then `{ max: tolerance }`, a bound on the distance. */
  readonly distribution?: DistributionSettings;
  readonly allowed: Allowed;
  /** Keyed by `String(wave.percent)`; use `allowedForWave` rather than reading it. */
  readonly allowedByWave: Readonly<Record<string, Allowed>>;
  readonly window: Window;
  /**
   * `interval`: judged by the always-valid interval where the aggregate has one (by value where it has none);
   * `value`: by the value, always.
   */
  readonly judge: Judge;
  readonly consecutive: number;
  readonly noData: 'ignore' | 'alert';
  /** Override of the wave's minSamples; use `minSamplesFor`. */
  readonly minSamples?: number;
  /** Resolved: the check's own, or spec.confidence. */
  readonly confidence: number;
  /** `shadow`: judged and recorded, never acts, does not count in go/no-go (whatever the rollout's mode). */
  readonly mode: Mode;
  // owner, runbook, summary (Oncall): the check's own, or else the rollout's.
}

export interface Guardrail extends CheckBase {
  readonly kind: 'guardrail';
  readonly onBreach: 'rollback' | 'pause' | 'alert';
}

export interface SuccessCriterion extends CheckBase {
  readonly kind: 'successCriterion';
}

export type Check = Guardrail | SuccessCriterion;

export type ActionTarget =
  | {
      readonly format: 'standard';
      readonly url: string;
      readonly secret?: Secret;
      readonly headers: Readonly<Record<string, string>>;
    }
  | { readonly format: 'slack'; readonly url: string }
  | { readonly format: 'pagerduty'; readonly routingKey: Secret; readonly url: string }
  | {
      readonly format: 'alertmanager-v2';
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  | {
      readonly format: 'alertmanager';
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  | {
      readonly format: 'unleash';
      readonly url: string;
      readonly token: Secret;
      readonly project: string;
      readonly environment: string;
      /** The flexibleRollout strategy an advance sets the percentage of. */
      readonly strategyId?: string;
    }
  | {
      readonly format: 'launchdarkly';
      readonly url: string;
      readonly token: Secret;
      readonly project: string;
      readonly environment: string;
      /** Variation ids served to each cohort by the default rule (advance only). */
      readonly variations?: { readonly treatment: string; readonly control: string };
    }
  | {
      readonly format: 'flagsmith';
      readonly url: string;
      readonly token: Secret;
      readonly environment: string;
      /** The multivariate option serving the treatment (advance only). */
      readonly variant?: { readonly optionId: number };
    };

export interface Actions {
  readonly rollback: readonly ActionTarget[];
  readonly verdict: readonly ActionTarget[];
  readonly advance: readonly ActionTarget[];
  readonly alert: readonly ActionTarget[];
}

export interface Cohorts {
  readonly attribute: string;
  readonly treatment: string;
  readonly control: string;
}

export interface RolloutSpec {
  readonly apiVersion: 'rollout-guard/v1';
  readonly kind: 'Rollout';
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: Oncall & {
    readonly flag: string;
    readonly match: Readonly<Record<string, string>>;
    readonly cohorts: Cohorts;
    readonly baseline?: { readonly window: Duration };
    readonly prometheus?: { readonly url: string };
    /** Endpoints the collector pulls while the rollout is active. */
    readonly scrape: readonly ScrapeTarget[];
    readonly waves: readonly Wave[];
    /** `shadow`: judged as for real, every decision marked shadow; no rollback or advance acts. */
    readonly mode: Mode;
    readonly approval: 'manual' | 'auto';
    readonly confidence: number;
    readonly guardrails: readonly Guardrail[];
    readonly successCriteria: readonly SuccessCriterion[];
    readonly actions: Actions;
  };
}
